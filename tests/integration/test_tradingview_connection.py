"""``TradingViewConnection`` against a scripted websocket server on loopback.

The scenarios the simulator does not play (handshake refusals, header checks, frames that
arrive before the hello) are scripted here with the bare ``websockets`` server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from adapters.tradingview import codec
from adapters.tradingview.connection import ReplyTimeout, TradingViewConnection, chart_url
from domain.errors import AuthenticationRejected, FeedUnavailable

TOKEN = "secret.jwt.token"
HELLO = codec.encode_json({"session_id": "<0.1.2>_test", "protocol": "json", "javastudies": []})

Script = Callable[[ServerConnection], Awaitable[None]]


class Recorder:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.received: list[str] = []

    async def read(self, connection: ServerConnection) -> str:
        async with asyncio.timeout(2):
            text = await connection.recv()
        assert isinstance(text, str)
        self.received.append(text)
        return text


@asynccontextmanager
async def scripted_server(
    script: Script, *, status: HTTPStatus | None = None
) -> AsyncIterator[tuple[str, Recorder]]:
    recorder = Recorder()

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        recorder.requests.append(request)
        if status is not None:
            return connection.respond(status, "refused\n")
        return None

    async def handler(connection: ServerConnection) -> None:
        await script(connection)

    async with serve(handler, "127.0.0.1", 0, process_request=process_request) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/socket.io/websocket?from=chart", recorder


def connection_to(url: str, *, timeout: float = 2.0) -> TradingViewConnection:
    return TradingViewConnection(url, TOKEN, origin="https://www.tradingview.com", timeout=timeout)


def test_chart_url_adds_type_chart_only_when_missing() -> None:
    assert chart_url("wss://h/socket.io/websocket?from=chart") == (
        "wss://h/socket.io/websocket?from=chart&type=chart"
    )
    assert chart_url("ws://h:1") == "ws://h:1?type=chart"
    kept = "wss://h/socket.io/websocket?from=chart&type=chart"
    assert chart_url(kept) == kept


async def test_handshake_headers_hello_then_auth_token_first_and_heartbeat_echo() -> None:
    recorder_box: list[Recorder] = []

    async def script(connection: ServerConnection) -> None:
        recorder = recorder_box[0]
        await connection.send(HELLO)
        await recorder.read(connection)  # set_auth_token
        await recorder.read(connection)  # the client's first method
        unknown = codec.encode("brand_new_message", ["x", {"new": 1}])
        wanted = codec.encode("series_loading", ["cs_x", "sds_1", "s1"])
        await connection.send("~m~4~m~~h~1" + unknown + "~m~5~m~~h~99" + wanted)
        await recorder.read(connection)
        await recorder.read(connection)
        await connection.send("~m~6~m~~h~100")
        await recorder.read(connection)
        await connection.send(codec.encode("series_completed", ["cs_x", "sds_1"]))
        await connection.wait_closed()

    async with scripted_server(script) as (url, recorder):
        recorder_box.append(recorder)
        async with connection_to(url) as connection:
            assert connection.hello is not None
            await connection.send("chart_create_session", ["cs_x", ""])
            first = await connection.receive()
            second = await connection.receive()
            third = await connection.receive()

    assert [m.method for m in (first, second, third)] == [
        "brand_new_message",
        "series_loading",
        "series_completed",
    ]
    assert recorder.received == [
        codec.encode("set_auth_token", [TOKEN]),
        codec.encode("chart_create_session", ["cs_x", ""]),
        "~m~4~m~~h~1",
        "~m~5~m~~h~99",
        "~m~6~m~~h~100",
    ]
    (request,) = recorder.requests
    assert "type=chart" in request.path
    headers = request.headers
    assert headers["Origin"] == "https://www.tradingview.com"
    assert headers["User-Agent"].startswith("Mozilla/5.0")
    assert headers["Accept-Language"]
    assert headers["Cache-Control"] == "no-cache"
    assert headers["Pragma"] == "no-cache"


async def test_bad_auth_token_is_authentication_rejected_without_the_token() -> None:
    async def script(connection: ServerConnection) -> None:
        await connection.send(HELLO)
        await connection.recv()
        await connection.send(codec.encode("protocol_error", ["bad auth token"]))
        await connection.close()

    async with scripted_server(script) as (url, _), connection_to(url) as connection:
        with pytest.raises(AuthenticationRejected) as caught:
            await connection.receive()

    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(connection)


@pytest.mark.parametrize(
    ("status", "words"),
    [(HTTPStatus.FORBIDDEN, "403"), (HTTPStatus.TOO_MANY_REQUESTS, "429")],
)
async def test_refused_handshake_is_feed_unavailable(status: HTTPStatus, words: str) -> None:
    async def script(connection: ServerConnection) -> None:
        raise AssertionError("the handshake must not succeed")

    async with scripted_server(script, status=status) as (url, _):
        with pytest.raises(FeedUnavailable, match=words):
            async with connection_to(url):
                pass


async def test_closed_socket_is_feed_unavailable() -> None:
    async def script(connection: ServerConnection) -> None:
        await connection.send(HELLO)
        await connection.recv()
        await connection.close(1011, "going away")

    async with scripted_server(script) as (url, _), connection_to(url) as connection:
        with pytest.raises(FeedUnavailable, match="closed"):
            await connection.receive()


async def test_silence_is_a_reply_timeout_and_heartbeats_do_not_count_as_replies() -> None:
    async def script(connection: ServerConnection) -> None:
        await connection.send(HELLO)
        await connection.recv()
        for number in range(1, 4):
            await connection.send(codec.frame(f"~h~{number}"))
            await asyncio.sleep(0.05)
        await connection.wait_closed()

    async with scripted_server(script) as (url, _), connection_to(url) as connection:
        with pytest.raises(ReplyTimeout):
            await connection.receive(0.3)
        assert connection.heartbeats_echoed == 3


async def test_no_hello_in_time_is_feed_unavailable() -> None:
    async def script(connection: ServerConnection) -> None:
        await connection.wait_closed()

    async with scripted_server(script) as (url, _):
        with pytest.raises(FeedUnavailable):
            async with connection_to(url, timeout=0.2):
                pass


async def test_async_iteration_yields_messages() -> None:
    async def script(connection: ServerConnection) -> None:
        await connection.send(HELLO)
        await connection.recv()
        await connection.send(codec.encode("qsd", ["qs_x", {"n": "A:B"}]))
        await connection.send(codec.encode("quote_completed", ["qs_x", "A:B"]))
        await connection.wait_closed()

    async with scripted_server(script) as (url, _), connection_to(url) as connection:
        methods = []
        async for message in connection:
            methods.append(message.method)
            if message.method == "quote_completed":
                break

    assert methods == ["qsd", "quote_completed"]
