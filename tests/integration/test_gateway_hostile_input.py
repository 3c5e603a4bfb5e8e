"""What a hostile client sends the local stack over real HTTP, byte for byte.

Chunked bodies are bodies: a request hidden in one never runs. Conflicting framing,
garbage, oversized URLs, headers and bodies and unknown methods are each a 4xx in the API's
error shape with a correlation id; HEAD works on every GET route; clients hanging up
mid-answer are not the console's business. Whatever was sent, nothing stored is lost and
the process logs no traceback.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from config.settings import Settings
from local.http_limits import MAX_BODY_BYTES
from local.stack import Feed, LocalStack, StackOptions
from tests.raw_http import RawResponse, connect, exchange, is_closed, read_response

BARS = "/market-data/ohlcv/NASDAQ/AAPL"
N_BARS = 5000
STOP = b"POST /quotes/stop HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    options = StackOptions(port=0, feed=Feed.SIMULATOR, scheduler=False, retry_delay_s=0)
    running = LocalStack(Settings(data_dir=tmp_path), options).start()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def client(stack: LocalStack) -> Iterator[httpx.Client]:
    """A client of a stack holding bars of NASDAQ:AAPL, with the live feed started."""
    with httpx.Client(base_url=stack.url, timeout=20) as http:
        synced = http.post(
            "/market-data/sync",
            json={"symbol": "AAPL", "exchange": "NASDAQ", "interval": "1d", "n_bars": N_BARS},
        )
        assert synced.status_code == 200, synced.text
        assert http.post("/quotes/start").status_code == 200
        yield http


@dataclass
class Harness:
    """The stack under attack, a well-behaved client of it, and what the process printed."""

    stack: LocalStack
    client: httpx.Client
    caplog: pytest.LogCaptureFixture
    capfd: pytest.CaptureFixture[str]

    @property
    def address(self) -> tuple[str, int]:
        assert self.stack.gateway is not None
        return self.stack.gateway.host, self.stack.gateway.port

    def access_lines(self) -> list[str]:
        return [r.getMessage() for r in self.caplog.records if r.name == "pocketquant.gateway"]

    def assert_nothing_lost(self) -> None:
        assert self.client.get(BARS, params={"limit": N_BARS}).json()["count"] == N_BARS
        assert self.client.get("/quotes/status").json()["running"] is True

    def assert_quiet(self) -> None:
        """No traceback anywhere in the process's output or log, once the stack stopped."""
        self.stack.close()  # every thread is done: nothing more can be logged
        output = self.capfd.readouterr()
        assert "Traceback" not in output.out + output.err
        records = self.caplog.records
        assert [r.getMessage() for r in records if r.exc_info or r.levelno >= logging.ERROR] == []


@pytest.fixture
def harness(
    stack: LocalStack,
    client: httpx.Client,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> Iterator[Harness]:
    with caplog.at_level(logging.INFO):
        yield Harness(stack, client, caplog, capfd)


def assert_error_shape(response: RawResponse, status: int, code: str) -> None:
    assert response.status == status, response.body
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["correlation_id"] == response.headers["x-correlation-id"]


def _chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def test_a_chunked_post_is_read_as_its_body(
    harness: Harness,
) -> None:
    body = json.dumps({"symbol": "MSFT", "exchange": "NASDAQ", "interval": "1d", "n_bars": 30})
    head = b"POST /market-data/sync HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    head += b"Content-Type: application/json\r\n\r\n"
    raw = body.encode()

    response = exchange(harness.address, head + _chunked(raw[:7], raw[7:20], raw[20:]))

    assert response.status == 200, response.body
    assert response.json()["bars_synced"] == 30
    assert harness.client.get("/market-data/ohlcv/NASDAQ/MSFT").json()["count"] == 30
    harness.assert_quiet()


def test_a_request_hidden_in_a_chunked_body_never_runs(
    harness: Harness,
) -> None:
    smuggling = b"POST /quotes/subscribe HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    smuggling += b"Content-Type: application/json\r\n\r\n" + _chunked(STOP)
    status = b"GET /quotes/status HTTP/1.1\r\nHost: x\r\n\r\n"

    with connect(harness.address) as sock:
        reader = sock.makefile("rb")
        sock.sendall(smuggling + status)
        refused = read_response(reader)
        after = read_response(reader)

    assert_error_shape(refused, 400, "malformed_json")
    assert after.status == 200
    assert after.json()["running"] is True
    harness.assert_nothing_lost()
    assert not [line for line in harness.access_lines() if "/quotes/stop" in line]
    harness.assert_quiet()


def test_content_length_beside_transfer_encoding_is_refused_and_the_connection_closed(
    harness: Harness,
) -> None:
    # A server trusting Content-Length reads 5 bytes ("0\r\n\r\n") and then runs STOP.
    smuggling = b"POST /quotes/subscribe HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
    smuggling += b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + STOP

    with connect(harness.address) as sock:
        reader = sock.makefile("rb")
        sock.sendall(smuggling)
        refused = read_response(reader)
        closed = is_closed(sock, reader)

    assert_error_shape(refused, 400, "bad_request")
    assert "Content-Length" in refused.json()["error"]["message"]
    assert closed
    harness.assert_nothing_lost()
    harness.assert_quiet()


REQUEST = b"GET /health HTTP/1.1\r\nHost: x\r\n"
HOSTILE: list[tuple[str, bytes, int, str]] = [
    ("garbage request line", b"HELLO THERE\r\n\r\n", 400, "bad_request"),
    (
        "TLS on the HTTP port",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        400,
        "bad_request",
    ),
    ("non-ASCII path", "GET /h\u00e9alth HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 400, "bad_request"),
    ("no Host header", b"GET /health HTTP/1.1\r\n\r\n", 400, "bad_request"),
    ("header line without a colon", REQUEST + b"no colon here\r\n\r\n", 400, "bad_request"),
    (
        "two different Content-Lengths",
        b"POST /market-data/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        b"Content-Length: 3\r\n\r\n{}",
        400,
        "bad_request",
    ),
    (
        "a list of Content-Lengths",
        b"POST /market-data/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 3\r\n\r\n{}",
        400,
        "bad_request",
    ),
    (
        "Content-Length not a number",
        b"POST /market-data/sync HTTP/1.1\r\nHost: x\r\nContent-Length: two\r\n\r\n{}",
        400,
        "bad_request",
    ),
    (
        "Transfer-Encoding other than chunked",
        b"POST /market-data/sync HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        400,
        "bad_request",
    ),
    (
        "a malformed chunk",
        b"POST /market-data/sync HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"zz\r\n{}\r\n0\r\n\r\n",
        400,
        "bad_request",
    ),
    (
        "a 70 KB URL",
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
        "uri_too_long",
    ),
    (
        "a 9 KB query",
        b"GET /health?q=" + b"a" * 9_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
        "uri_too_long",
    ),
    # A head still incomplete past 16 KB is refused before it ends.
    ("a request line going on past 16 KB", b"GET /" + b"a" * 20_000, 414, "uri_too_long"),
    ("headers going on past 16 KB", REQUEST + b"X-Big: " + b"v" * 20_000, 431, "headers_too_large"),
    (
        "150 headers",
        REQUEST + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n",
        431,
        "headers_too_large",
    ),
    (
        "a 20 KB header",
        REQUEST + b"X-Big: " + b"v" * 20_000 + b"\r\n\r\n",
        431,
        "headers_too_large",
    ),
    (
        "a declared body over 10 MB",
        b"POST /market-data/sync HTTP/1.1\r\nHost: x\r\n"
        + b"Content-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1),
        413,
        "payload_too_large",
    ),
    ("an unknown method", b"BREW /health HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method_not_allowed"),
    (
        "a draft method",
        b"QUERY /market-data/sync HTTP/1.1\r\nHost: x\r\n\r\n",
        405,
        "method_not_allowed",
    ),
    ("CONNECT", b"CONNECT /health HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method_not_allowed"),
]


@pytest.mark.parametrize(
    ("case", "data", "status", "code"), HOSTILE, ids=[case for case, *_ in HOSTILE]
)
def test_hostile_bytes_get_a_4xx_in_the_error_shape(
    harness: Harness,
    case: str,
    data: bytes,
    status: int,
    code: str,
) -> None:
    response = exchange(harness.address, data)

    assert_error_shape(response, status, code)
    access = harness.access_lines()
    assert any(f" {status} " in line for line in access), access
    harness.assert_nothing_lost()
    harness.assert_quiet()


def test_a_chunked_body_growing_past_10_mb_is_refused(
    harness: Harness,
) -> None:
    head = b"POST /market-data/sync HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b" " * (1024 * 1024)
    body = _chunked(*[chunk] * (MAX_BODY_BYTES // len(chunk)), b"{}")

    response = exchange(harness.address, head + body)

    assert_error_shape(response, 413, "payload_too_large")
    harness.assert_nothing_lost()
    harness.assert_quiet()


GET_ROUTES = [
    "/health",
    f"{BARS}?limit=5",
    "/market-data/symbols",
    "/market-data/sync-status",
    "/market-data/sync-status/NASDAQ/AAPL?interval=1d",
    "/quotes/status",
    "/quotes/all",
    "/openapi.json",
    "/docs",
]


def test_head_answers_every_get_route_with_its_headers_and_no_body(
    harness: Harness,
) -> None:
    with connect(harness.address) as sock:
        reader = sock.makefile("rb")
        for target in GET_ROUTES:
            sock.sendall(b"HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n" % target.encode())
            head = read_response(reader, head_only=True)
            # Any body bytes after the HEAD answer would be read as this one's status line.
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target.encode())
            get = read_response(reader)

            assert (head.status, get.status) == (200, 200), target
            assert head.headers["content-type"] == get.headers["content-type"], target
            assert head.headers["content-length"] == str(len(get.body)), target
    harness.assert_quiet()


def _hang_up(sock: socket.socket) -> None:
    """Close with a reset, as a killed client does, instead of an orderly FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_clients_hanging_up_leave_no_traceback(
    harness: Harness,
) -> None:
    big = f"GET {BARS}?limit={N_BARS} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    for _ in range(10):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the answer cannot fit
        sock.connect(harness.address)
        sock.sendall(big)
        assert sock.recv(64).startswith(b"HTTP/1.1 200")
        _hang_up(sock)
    for partial in (
        b"POST /market-data/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{",
        b"GET /he",
    ):
        with connect(harness.address) as sock:
            sock.sendall(partial)
            _hang_up(sock)

    assert harness.client.get("/health").status_code == 200
    harness.assert_nothing_lost()
    harness.assert_quiet()
