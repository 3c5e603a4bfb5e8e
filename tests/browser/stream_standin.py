"""A websocket server on loopback that speaks the server side of the stream protocol as a
test dictates it, to pin what the chart page does with each message.

Not the stream: it sends only what the test asks (``subscribed``, ``bar``, ``gap``) and
records what the page sends, so a test can check the page's subscription, its ``since``
after a reconnect and its answer to a gap. ``refuse`` makes new connections fail their
handshake, as a stream that is down or refuses the key does.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from concurrent.futures import Future
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

START_TIMEOUT_S = 10.0
WAIT_S = 15.0


class StandInStream:
    def __init__(self) -> None:
        self.refuse = False
        self.connect_paths: queue.Queue[str] = queue.Queue()
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self._connections: set[ServerConnection] = set()
        self._loop = asyncio.new_event_loop()
        self._server: Server | None = None
        self._started: Future[None] = Future()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="stream-standin", daemon=True)
        self._thread.start()
        self._started.result(timeout=START_TIMEOUT_S)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = next(iter(self._server.sockets)).getsockname()[:2]
        return f"ws://{host}:{port}/stream"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as error:
            if not self._started.done():
                self._started.set_exception(error)
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with serve(
            self._handle, "127.0.0.1", 0, process_request=self._process_request
        ) as server:
            self._server = server
            self._started.set_result(None)
            await self._stop.wait()

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.refuse:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "refused\n")
        self.connect_paths.put(request.path)
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        self._connections.add(connection)
        try:
            async for text in connection:
                self.received.put(json.loads(text))
        finally:
            self._connections.discard(connection)

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(WAIT_S)

    def send(self, message: dict[str, Any]) -> None:
        """``message`` to every open connection."""
        text = json.dumps(message)

        async def broadcast() -> None:
            for connection in list(self._connections):
                await connection.send(text)

        self._call(broadcast())

    def drop_all(self) -> None:
        """Close every connection, as a server restart or API Gateway's 2-hour limit does."""

        async def close() -> None:
            connections = list(self._connections)
            for connection in connections:
                await connection.close()

        self._call(close())

    def next_message(self, action: str) -> dict[str, Any]:
        """The next message the page sent with ``action`` (others are skipped)."""
        while True:
            message = self.received.get(timeout=WAIT_S)
            if message.get("action") == action:
                return message

    def close(self) -> None:
        if self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(START_TIMEOUT_S)
