"""A tiny HTTP endpoint for the container's health check: ``GET /health``.

It answers from the streamer's own event loop, so an answer at all proves the loop is not
blocked; ``check()`` says whether the streamer is also doing its job. 200 with
``{"status": "ok", ...}`` or 503 with ``{"status": "unhealthy", "reasons": [...]}``; any
other path is a 404, another method a 405. No framework: one request per connection, then close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import orjson

logger = logging.getLogger(__name__)

HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]
"""Returns ``(healthy, details)``; ``details`` goes into the JSON body."""

_REQUEST_TIMEOUT = 5.0
_MAX_REQUEST_LINE = 8192
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    503: "Service Unavailable",
}


class HealthServer:
    def __init__(self, check: HealthCheck, host: str, port: int) -> None:
        self._check = check
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the health server is not running")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self._host, self._port)
        logger.info("health endpoint on http://%s:%d/health", self._host, self.port)

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_REQUEST_TIMEOUT):
                request_line = await reader.readline()
                if request_line.strip():
                    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass  # headers: nothing in them matters here
            status, body = self._answer(request_line[:_MAX_REQUEST_LINE])
            head = (
                f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                "Cache-Control: no-store\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (TimeoutError, ConnectionError) as exc:
            logger.debug("health request abandoned: %s", exc)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _answer(self, request_line: bytes) -> tuple[int, bytes]:
        parts = request_line.decode("latin-1").split()
        if len(parts) < 2:
            return 400, orjson.dumps({"status": "bad_request"})
        method, target = parts[0], parts[1].split("?", 1)[0]
        if target != "/health":
            return 404, orjson.dumps({"status": "not_found", "message": "try GET /health"})
        if method != "GET":
            return 405, orjson.dumps({"status": "method_not_allowed"})
        healthy, details = self._check()
        body = {"status": "ok" if healthy else "unhealthy", **details}
        return (200 if healthy else 503), orjson.dumps(body)
