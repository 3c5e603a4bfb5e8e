"""The gateway's connections over real HTTP, with stand-in handlers: a slow handler holds
one thread, not the server; slow clients are cut off with a 408; closing lets the requests
being answered finish; many clients at once are all answered; events keep header names as
the client wrote them."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

import local.asgi_app
import local.http_protocol
from local.gateway import RunningGateway, serve
from tests.raw_http import connect, is_closed, read_response

WAIT_S = 10.0
SHORT_TIMEOUT_S = 0.3


class HeldHandler:
    """Answers ``/held`` only once released (counting who waits); anything else at once."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self._held = 0
        self._changed = threading.Condition()

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
        if event["path"] == "/held":
            with self._changed:
                self._held += 1
                self._changed.notify_all()
            assert self.release.wait(WAIT_S), "the test never released the handler"
        body = {"path": event["path"], "headers": event["multiValueHeaders"]}
        return {"statusCode": 200, "body": json.dumps(body)}

    def wait_held(self, count: int) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self._held >= count, WAIT_S)


@pytest.fixture
def handler() -> Iterator[HeldHandler]:
    held = HeldHandler()
    yield held
    held.release.set()


@pytest.fixture
def gateway(handler: HeldHandler) -> Iterator[RunningGateway]:
    with serve(handler) as running:
        yield running


def _address(gateway: RunningGateway) -> tuple[str, int]:
    return gateway.host, gateway.port


def test_slow_requests_do_not_hold_up_the_others(
    handler: HeldHandler, gateway: RunningGateway
) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        held = [pool.submit(httpx.get, f"{gateway.url}/held", timeout=WAIT_S) for _ in range(8)]
        handler.wait_held(8)

        health = httpx.get(f"{gateway.url}/health", timeout=WAIT_S)

        assert health.status_code == 200
        assert not any(future.done() for future in held)
        handler.release.set()
        assert [future.result().status_code for future in held] == [200] * 8


def test_sixty_four_clients_at_once_are_all_answered(gateway: RunningGateway) -> None:
    start = threading.Barrier(64)

    def fetch(_: int) -> int:
        start.wait(WAIT_S)
        return httpx.get(f"{gateway.url}/health", timeout=WAIT_S).status_code

    with ThreadPoolExecutor(max_workers=64) as pool:
        assert list(pool.map(fetch, range(64))) == [200] * 64


def test_header_names_reach_the_event_as_the_client_wrote_them(gateway: RunningGateway) -> None:
    with connect(_address(gateway)) as sock:
        sock.sendall(
            b"GET /echo HTTP/1.1\r\nHost: x\r\nX-Custom-Name: a\r\nx-lower: b\r\n"
            b"X-Custom-Name: c\r\n\r\n"
        )
        response = read_response(sock.makefile("rb"))

    headers = response.json()["headers"]
    assert headers["X-Custom-Name"] == ["a", "c"]
    assert headers["x-lower"] == ["b"]
    assert headers["Host"] == ["x"]


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local.http_protocol, "REQUEST_HEAD_TIMEOUT_S", SHORT_TIMEOUT_S)
    monkeypatch.setattr(local.asgi_app, "REQUEST_BODY_TIMEOUT_S", SHORT_TIMEOUT_S)


@pytest.mark.usefixtures("short_timeouts")
@pytest.mark.parametrize(
    "partial",
    [
        pytest.param(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow", id="headers"),
        pytest.param(b"POST /sync HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", id="body"),
        pytest.param(
            b"POST /sync HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{",
            id="chunked body",
        ),
    ],
)
def test_a_client_too_slow_to_send_its_request_gets_a_408(
    handler: HeldHandler, partial: bytes
) -> None:
    with serve(handler) as gateway, connect(_address(gateway)) as sock:
        reader = sock.makefile("rb")
        sock.sendall(partial)

        response = read_response(reader)

        assert response.status == 408
        error = response.json()["error"]
        assert error["code"] == "request_timeout"
        assert error["correlation_id"] == response.headers["x-correlation-id"]
        assert is_closed(sock, reader)


@pytest.mark.usefixtures("short_timeouts")
def test_a_connection_that_sends_nothing_is_closed(handler: HeldHandler) -> None:
    with serve(handler) as gateway, connect(_address(gateway)) as sock:
        assert sock.recv(1) == b""


def test_an_idle_keep_alive_connection_is_kept_for_the_next_request(
    gateway: RunningGateway,
) -> None:
    with connect(_address(gateway)) as sock:
        reader = sock.makefile("rb")
        for path in (b"/one", b"/two"):
            sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(reader).json()["path"] == path.decode()


def _refused(address: tuple[str, int]) -> bool:
    try:
        socket.create_connection(address, timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def test_close_lets_the_request_being_answered_finish(handler: HeldHandler) -> None:
    gateway = serve(handler)
    with ThreadPoolExecutor(max_workers=2) as pool:
        held = pool.submit(httpx.get, f"{gateway.url}/held", timeout=WAIT_S)
        handler.wait_held(1)
        closing = pool.submit(gateway.close)
        # Nothing signals that closing began: ask until new connections are refused.
        deadline = time.monotonic() + WAIT_S
        while not _refused(_address(gateway)):
            assert time.monotonic() < deadline, "the gateway kept accepting connections"
            time.sleep(0.02)
        assert not closing.done()

        handler.release.set()

        assert held.result().status_code == 200
        closing.result(timeout=WAIT_S)
