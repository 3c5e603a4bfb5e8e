"""The gateway over real HTTP with a stand-in handler: keys, concurrency, logs, limits."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from config.settings import Settings
from local.gateway import RunningGateway, serve
from local.http_limits import MAX_BODY_BYTES

API_KEY = "s3cret-key-for-tests"


def echo_handler(event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
    """Answers with what it received, like a handler that echoes the correlation id."""
    if event["path"] == "/boom":
        raise RuntimeError("the handler broke")
    correlation = (event["headers"] or {}).get("X-Correlation-ID", "generated-id")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Correlation-ID": correlation},
        "body": json.dumps({"event": event, "request_id": context.aws_request_id}, default=str),
        "isBase64Encoded": False,
    }


@pytest.fixture
def gateway(tmp_path: Any) -> Iterator[RunningGateway]:
    with serve(echo_handler, "127.0.0.1", 0, Settings(data_dir=tmp_path)) as running:
        yield running


@pytest.fixture
def keyed_gateway(tmp_path: Any) -> Iterator[RunningGateway]:
    settings = Settings(data_dir=tmp_path, api_key=API_KEY)
    with serve(echo_handler, "127.0.0.1", 0, settings) as running:
        yield running


def test_a_request_reaches_the_handler_as_a_proxy_event(gateway: RunningGateway) -> None:
    response = httpx.post(
        f"{gateway.url}/market-data/sync?dry=1",
        json={"symbol": "AAPL"},
        headers={"X-Correlation-ID": "corr-1"},
    )

    assert response.status_code == 200
    assert response.headers["X-Correlation-ID"] == "corr-1"
    event = response.json()["event"]
    assert event["httpMethod"] == "POST"
    assert event["path"] == "/market-data/sync"
    assert event["queryStringParameters"] == {"dry": "1"}
    assert json.loads(event["body"]) == {"symbol": "AAPL"}
    assert event["requestContext"]["requestId"] == response.json()["request_id"]


def test_each_request_gets_a_fresh_request_id(gateway: RunningGateway) -> None:
    ids = {
        httpx.get(f"{gateway.url}/x").json()["event"]["requestContext"]["requestId"]
        for _ in range(3)
    }

    assert len(ids) == 3


def test_the_api_key_is_enforced_when_set(keyed_gateway: RunningGateway) -> None:
    url = f"{keyed_gateway.url}/market-data/sync-status"

    missing = httpx.get(url)
    wrong = httpx.get(url, headers={"x-api-key": "nope"})
    right = httpx.get(url, headers={"x-api-key": API_KEY})
    health = httpx.get(f"{keyed_gateway.url}/health")

    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "forbidden"
    assert wrong.status_code == 403
    assert right.status_code == 200
    assert health.status_code == 200


def test_the_gateways_own_403_carries_the_correlation_id(keyed_gateway: RunningGateway) -> None:
    url = f"{keyed_gateway.url}/market-data/sync-status"

    mine = httpx.get(url, headers={"X-Correlation-ID": "corr-403"})
    fresh = httpx.get(url)
    hostile = httpx.get(url, headers={"X-Correlation-ID": "not a valid id"})

    assert mine.status_code == 403
    assert mine.json()["error"]["correlation_id"] == "corr-403"
    assert mine.headers["X-Correlation-ID"] == "corr-403"
    for answer in (fresh, hostile):
        assert answer.status_code == 403
        assert answer.json()["error"]["correlation_id"] == answer.headers["X-Correlation-ID"]
        assert len(answer.headers["X-Correlation-ID"]) == 36  # a fresh uuid
    assert set(fresh.json()["error"]) == {"code", "message", "correlation_id"}


def _raw(gateway: RunningGateway, request_line: str) -> tuple[bytes, bytes]:
    """Send one request line (no body) as written; the status line and body of the reply."""
    with socket.create_connection((gateway.host, gateway.port), timeout=5) as sock:
        sock.sendall(f"{request_line}\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        reply = sock.makefile("rb").read()
    head, _, body = reply.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0], body


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "BREW"])
def test_any_other_method_reaches_the_handler(gateway: RunningGateway, method: str) -> None:
    status, body = _raw(gateway, f"{method} /market-data/sync HTTP/1.1")

    assert status == b"HTTP/1.1 200 OK"  # not the server's own 501
    assert json.loads(body)["event"]["httpMethod"] == method


def test_connect_is_refused_by_the_gateway_in_the_error_shape(gateway: RunningGateway) -> None:
    # A 2xx to CONNECT would make the connection a tunnel (h11 then sends no body).
    status, body = _raw(gateway, "CONNECT /market-data/sync HTTP/1.1")

    assert status == b"HTTP/1.1 405 Method Not Allowed"
    assert json.loads(body)["error"]["code"] == "method_not_allowed"


def test_without_a_configured_key_no_key_is_needed(gateway: RunningGateway) -> None:
    assert httpx.get(f"{gateway.url}/market-data/sync-status").status_code == 200


def test_concurrent_clients_are_all_answered(gateway: RunningGateway) -> None:
    with httpx.Client(base_url=gateway.url, timeout=10) as client:

        def fetch(n: int) -> int:
            return client.get(f"/item/{n}").status_code

        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(fetch, range(40)))

    assert statuses == [200] * 40


def test_one_access_line_per_request_without_the_key(
    keyed_gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="pocketquant.gateway"):
        httpx.get(
            f"{keyed_gateway.url}/market-data/sync-status?interval=1d",
            headers={"x-api-key": API_KEY, "X-Correlation-ID": "corr-log"},
        )

    lines = [r.getMessage() for r in caplog.records if r.name == "pocketquant.gateway"]
    assert len(lines) == 1
    assert lines[0].startswith("GET /market-data/sync-status 200 ")
    assert "correlation_id=corr-log" in lines[0]
    assert "ms" in lines[0]
    assert API_KEY not in caplog.text


def test_a_failing_handler_is_a_502_with_the_error_body(gateway: RunningGateway) -> None:
    response = httpx.get(f"{gateway.url}/boom")

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "handler_failed"


def test_an_oversized_body_is_refused_unread(gateway: RunningGateway) -> None:
    with socket.create_connection((gateway.host, gateway.port), timeout=5) as sock:
        sock.sendall(
            b"POST /market-data/sync HTTP/1.1\r\nHost: x\r\n"
            + f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode()
        )
        reply = sock.makefile("rb").read()

    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert json.loads(body)["error"]["code"] == "payload_too_large"


def test_close_frees_the_port(tmp_path: Any) -> None:
    running = serve(echo_handler, "127.0.0.1", 0, Settings(data_dir=tmp_path))
    url = running.url
    assert httpx.get(f"{url}/x").status_code == 200

    running.close()

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/x")
