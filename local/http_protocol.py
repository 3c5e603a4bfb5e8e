"""uvicorn's h11 protocol, answering what h11 refuses in the API's JSON error shape.

uvicorn answers bytes that are not HTTP/1.1 (a garbage request line, conflicting
``Content-Length`` headers, a request line or headers past the limit) itself, with a plain
text 400. :class:`GatewayH11Protocol` gives those answers the API's error body and a
correlation id, with the status the fault calls for (400, 414 or 431). It also closes a
connection that has not sent a whole request head in time (uvicorn only times out
connections idle after an answer), and hands the application the header names as the
client spelt them (ASGI lower-cases them).

uvicorn documents passing a protocol class, not what this one builds on: the
``send_400_response`` hook it calls for those answers, and its ``conn``, ``scope`` and
``headers``. pyproject.toml keeps uvicorn to the minor version this was checked against;
test_gateway_hostile_input tells whether a newer one still behaves.
"""

from __future__ import annotations

import asyncio
import http
import time
from typing import Any, cast

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from functions.common.correlation import CORRELATION_HEADER
from local.api_gateway import error_response, log_access
from local.asgi_app import HEADER_NAMES_EXTENSION
from local.http_limits import MAX_HEAD_BYTES, MAX_TARGET_BYTES, REQUEST_HEAD_TIMEOUT_S
from local.proxy_event import HttpResponse

UNPARSED = "-"
"""The method and path of the access line when the request could not be read."""


class _RecordingConnection(h11.Connection):
    """h11's server connection, remembering the last request's header names as sent and
    why it refused the peer's bytes."""

    def __init__(self, max_incomplete_event_size: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_incomplete_event_size)
        self.header_names: list[bytes] = []
        self.refusal: h11.RemoteProtocolError | None = None
        self.refused_in_head = False

    def next_event(self) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        reading_head = self.their_state is h11.IDLE
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as error:
            self.refusal = error
            self.refused_in_head = reading_head
            raise
        if isinstance(event, h11.Request):
            self.header_names = [name for name, _ in event.headers.raw_items()]
        return event


def refusal_for(
    error: h11.RemoteProtocolError | None, in_head: bool, unread: bytes
) -> tuple[int, str, str]:
    """Status, code and message for bytes h11 refused; never a 5xx for bad input."""
    if error is not None and error.error_status_hint == 431 and in_head:
        request_line, newline, _ = unread.partition(b"\n")
        if not newline or len(request_line) > MAX_TARGET_BYTES:
            return 414, "uri_too_long", f"the URL is over {MAX_TARGET_BYTES} bytes"
        return 431, "headers_too_large", f"the request headers are over {MAX_HEAD_BYTES} bytes"
    # h11 hints 501 for a Transfer-Encoding other than chunked: still the client's fault.
    reason = str(error) if error is not None else "unreadable request"
    return 400, "bad_request", f"malformed HTTP/1.1 request: {reason}"[:200]


class GatewayH11Protocol(H11Protocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._recording = _RecordingConnection(MAX_HEAD_BYTES)
        self.conn = self._recording
        self._head_deadline: asyncio.TimerHandle | None = None
        self._named_scope: object = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_request_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._name_headers()
        if self.conn.their_state is not h11.IDLE:
            self._cancel_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start a request that was pipelined
        self._name_headers()
        if self.conn.their_state is h11.IDLE:
            self._await_request_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        started = time.perf_counter()
        conn = self._recording
        status, code, message = refusal_for(
            conn.refusal, conn.refused_in_head, conn.trailing_data[0]
        )
        self._refuse(error_response(status, code, message), started)

    def _name_headers(self) -> None:
        """Give the scope of a request just read its header names as sent.

        uvicorn builds the scope and schedules the application in the same call that read
        the request, so the application, which runs later, finds them.
        """
        scope = self.scope
        if scope is None or scope is self._named_scope:
            return
        self._named_scope = scope
        names = self._recording.header_names
        if len(names) == len(self.headers):
            extensions = cast(dict[str, Any], scope).setdefault("extensions", {})
            extensions[HEADER_NAMES_EXTENSION] = names

    def _await_request_head(self) -> None:
        self._cancel_head_deadline()
        self._head_deadline = self.loop.call_later(REQUEST_HEAD_TIMEOUT_S, self._head_timed_out)

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if not self.conn.trailing_data[0]:
            self.transport.close()  # nothing was asked: nobody is waiting for an answer
            return
        message = f"the request headers did not arrive within {REQUEST_HEAD_TIMEOUT_S:g} s"
        self._refuse(error_response(408, "request_timeout", message), time.perf_counter())

    def _refuse(self, response: HttpResponse, started: float) -> None:
        """Answer ``response`` and close: what follows on this connection cannot be trusted."""
        self._cancel_head_deadline()
        if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            correlation_id = response.header(CORRELATION_HEADER) or UNPARSED
            log_access(UNPARSED, UNPARSED, response.status, started, correlation_id)
            headers = [(name.encode(), value.encode()) for name, value in response.headers]
            headers += [
                (b"content-length", str(len(response.body)).encode()),
                (b"connection", b"close"),
            ]
            reason = http.HTTPStatus(response.status).phrase.encode()
            head = h11.Response(status_code=response.status, headers=headers, reason=reason)
            for event in (head, h11.Data(data=response.body), h11.EndOfMessage()):
                output = self.conn.send(event)
                if output:
                    self.transport.write(output)
        self.transport.close()
