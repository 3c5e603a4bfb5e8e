"""The local gateway's ASGI application: each HTTP request to the api handler, as on AWS.

:class:`GatewayApp` dispatches on the ASGI scope type. ``http`` goes to
:class:`HttpAdapter`, which reads the request whole (its body within a size and a time
limit), refuses what API Gateway would not pass on, and has :class:`LocalApiGateway` answer
the rest on a worker thread: the Lambda handlers are synchronous, and a slow sync must hold
one thread, not the server. A WebSocket endpoint is one more entry of ``GatewayApp``, under
``websocket``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from concurrent.futures import Executor
from dataclasses import replace
from typing import Any

from local.api_gateway import LocalApiGateway, error_response
from local.http_limits import (
    MAX_BODY_BYTES,
    MAX_HEAD_BYTES,
    MAX_HEADERS,
    MAX_TARGET_BYTES,
    REQUEST_BODY_TIMEOUT_S,
)
from local.proxy_event import HttpRequest, HttpResponse

HEADER_NAMES_EXTENSION = "pocketquant.header_names"
"""Scope extension: the request's header names as the client wrote them, in order.

ASGI lower-cases header names; API Gateway's REST proxy events keep the client's spelling,
and so do the local gateway's (its server puts them here)."""

logger = logging.getLogger("pocketquant.gateway")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_HOP_BY_HOP = frozenset({"connection", "content-length", "keep-alive", "transfer-encoding"})
_BODY_FRAMING = frozenset({"content-length", "transfer-encoding"})
"""A request without either header has no body (RFC 9112 6.3)."""


class GatewayApp:
    """One ASGI application per server: an endpoint for each scope type it serves."""

    def __init__(self, endpoints: Mapping[str, AsgiApp]) -> None:
        self._endpoints = dict(endpoints)

    @property
    def scope_types(self) -> frozenset[str]:
        return frozenset(self._endpoints)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._endpoints.get(scope["type"])
        if endpoint is None:
            # The server only sends the scope types it was configured for.
            raise RuntimeError(f"the gateway serves no {scope['type']!r} scope")
        await endpoint(scope, receive, send)


class _ClientGone(Exception):
    """The client closed the connection before its request was read."""


class _BodyTooLarge(Exception):
    """The body grew past :data:`MAX_BODY_BYTES` while it was read."""


class HttpAdapter:
    """ASGI ``http`` scopes in, :class:`LocalApiGateway` answers out."""

    def __init__(self, gateway: LocalApiGateway, executor: Executor) -> None:
        self._gateway = gateway
        self._executor = executor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = _request_of(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            # The body is left unread, so the connection cannot carry another request.
            await _send(send, refusal, close=True)
            return
        try:
            body = b""
            if _declares_body(request):
                async with asyncio.timeout(REQUEST_BODY_TIMEOUT_S):
                    body = await _read_body(receive)
        except _ClientGone:
            return
        except _BodyTooLarge:
            await _send(send, self._gateway.refuse_oversized(request), close=True)
            return
        except TimeoutError:
            timed_out = self._gateway.refuse(
                request,
                408,
                "request_timeout",
                f"the request body did not arrive within {REQUEST_BODY_TIMEOUT_S:g} s",
            )
            await _send(send, timed_out, close=True)
            return
        await _send(send, await self._answer(replace(request, body=body)), close=False)

    async def _answer(self, request: HttpRequest) -> HttpResponse:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self._gateway.respond, request)
        except Exception:
            # LocalApiGateway answers a failing handler itself: this is a fault of the gateway.
            logger.exception("the gateway failed on %s", request.method)
            return error_response(500, "internal_error", "the local gateway failed")

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        """The gateway's own answer to a request no API Gateway would pass on, if any."""
        names = [name.lower() for name, _ in request.headers]
        if len(names) > MAX_HEADERS:
            return self._gateway.refuse(
                request, 431, "headers_too_large", f"the request has over {MAX_HEADERS} headers"
            )
        # h11 limits only a head that arrives in pieces; one that came whole is measured here.
        if sum(len(name) + len(value) + 4 for name, value in request.headers) > MAX_HEAD_BYTES:
            return self._gateway.refuse(
                request,
                431,
                "headers_too_large",
                f"the request headers are over {MAX_HEAD_BYTES} bytes",
            )
        if len(request.target.encode("latin-1")) > MAX_TARGET_BYTES:
            return self._gateway.refuse(
                request, 414, "uri_too_long", f"the URL is over {MAX_TARGET_BYTES} bytes"
            )
        if request.method == "CONNECT":
            # A 2xx would turn the connection into a tunnel; there is nothing to tunnel to.
            return self._gateway.refuse(
                request, 405, "method_not_allowed", "CONNECT is not supported: this is no proxy"
            )
        if "content-length" in names and "transfer-encoding" in names:
            # RFC 9112 6.3: a sign of request smuggling; which framing is meant is unknowable.
            return self._gateway.refuse(
                request,
                400,
                "bad_request",
                "the request has both Content-Length and Transfer-Encoding; send one",
            )
        declared = _content_length(request)
        if declared is not None and declared > MAX_BODY_BYTES:
            return self._gateway.refuse_oversized(request)
        return None


def _request_of(scope: Scope) -> HttpRequest:
    target = scope["raw_path"].decode("latin-1")
    if scope["query_string"]:
        target = f"{target}?{scope['query_string'].decode('latin-1')}"
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    # The client's spelling of the names when the server kept it (see local.http_protocol).
    names = (scope.get("extensions") or {}).get(HEADER_NAMES_EXTENSION)
    if names is not None:
        headers = [(name, value) for name, (_, value) in zip(names, headers, strict=True)]
    client = scope.get("client")
    return HttpRequest(
        method=scope["method"],
        target=target,
        headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers],
        body=b"",
        source_ip=client[0] if client else "127.0.0.1",
    )


def _declares_body(request: HttpRequest) -> bool:
    return any(name.lower() in _BODY_FRAMING for name, _ in request.headers)


def _content_length(request: HttpRequest) -> int | None:
    # h11 has already refused a Content-Length that is not one decimal number.
    for name, value in request.headers:
        if name.lower() == "content-length":
            return int(value)
    return None


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            raise _BodyTooLarge
        if not message.get("more_body", False):
            return bytes(body)


async def _send(send: Send, response: HttpResponse, *, close: bool) -> None:
    headers = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers
        if name.lower() not in _HOP_BY_HOP
    ]
    headers.append((b"content-length", str(len(response.body)).encode("ascii")))
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    # The server leaves the body out of the answer to a HEAD request.
    await send({"type": "http.response.body", "body": response.body})
