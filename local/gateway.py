"""The local HTTP gateway: a threaded server on loopback in front of the api handler.

``serve(handler, host, port, settings)`` starts it in a background thread and returns a
:class:`RunningGateway` with ``.url`` and ``.close()``; port 0 picks a free port.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from config.settings import Settings
from local.api_gateway import MAX_BODY_BYTES, ApiHandler, LocalApiGateway, error_response
from local.proxy_event import HttpRequest, HttpResponse

logger = logging.getLogger("pocketquant.gateway")

IDLE_CONNECTION_TIMEOUT_S = 30.0
SHUTDOWN_POLL_S = 0.05
"""How often the accept loop checks for shutdown (it is otherwise woken by connections)."""
DRAIN_TIMEOUT_S = 10.0
"""How long close() waits for requests being answered."""
_HOP_BY_HOP = frozenset({"connection", "content-length", "keep-alive", "transfer-encoding"})


class _GatewayServer(ThreadingHTTPServer):
    daemon_threads = True  # an idle keep-alive connection must not hold up close()
    block_on_close = False

    def __init__(self, address: tuple[str, int], gateway: LocalApiGateway) -> None:
        super().__init__(address, _RequestHandler)
        self.gateway = gateway
        self.closing = False
        self._in_flight = 0
        self._idle = threading.Condition()

    def begin_request(self) -> bool:
        """Count a request in; False once the gateway is closing."""
        with self._idle:
            if self.closing:
                return False
            self._in_flight += 1
            return True

    def end_request(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """Refuse new requests and wait for those being answered; False on timeout."""
        with self._idle:
            self.closing = True
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients expect of API Gateway
    # Headers and body go out in two writes; without TCP_NODELAY a small response waits
    # ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    timeout = IDLE_CONNECTION_TIMEOUT_S
    server: _GatewayServer

    def _handle(self) -> None:
        if not self.server.begin_request():
            self.close_connection = True
            self._send(error_response(503, "shutting_down", "the gateway is stopping"))
            return
        try:
            self._answer()
        finally:
            self.server.end_request()

    def _answer(self) -> None:
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=b"",
            source_ip=self.client_address[0],
        )
        declared = self._content_length()
        if declared is None:
            response = error_response(400, "bad_request", "Content-Length is not a number")
            self.close_connection = True
        elif declared > MAX_BODY_BYTES:
            response = self.server.gateway.refuse_oversized(request)
            self.close_connection = True  # the body is left unread on the socket
        else:
            body = self.rfile.read(declared) if declared else b""
            response = self.server.gateway.respond(
                HttpRequest(
                    method=request.method,
                    target=request.target,
                    headers=request.headers,
                    body=body,
                    source_ip=request.source_ip,
                )
            )
        self._send(response)

    def _content_length(self) -> int | None:
        text = self.headers.get("Content-Length")
        if text is None:
            return 0
        try:
            length = int(text)
        except ValueError:
            return None
        return length if length >= 0 else None

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    # http.server dispatches on these names and answers 501 itself for a method without
    # one; every standard method goes to the api handler, which answers 405 for those no
    # route takes (TRACE, CONNECT).
    do_GET = _handle  # noqa: N815
    do_POST = _handle  # noqa: N815
    do_PUT = _handle  # noqa: N815
    do_PATCH = _handle  # noqa: N815
    do_DELETE = _handle  # noqa: N815
    do_OPTIONS = _handle  # noqa: N815
    do_HEAD = _handle  # noqa: N815
    do_TRACE = _handle  # noqa: N815
    do_CONNECT = _handle  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        # The gateway writes its own access line; this is the server's error chatter.
        logger.debug(format, *args)


class RunningGateway:
    """A gateway serving in a background thread until :meth:`close`."""

    def __init__(self, server: _GatewayServer) -> None:
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_S},
            name="pocketquant-gateway",
            daemon=True,
        )
        self._thread.start()

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def close(self) -> None:
        """Stop accepting requests, let those being answered finish, free the port."""
        self._server.shutdown()
        self._thread.join()
        if not self._server.drain(DRAIN_TIMEOUT_S):
            logger.warning("gateway closed with requests still being answered")
        self._server.server_close()

    def __enter__(self) -> RunningGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(
    handler: ApiHandler,
    host: str = "127.0.0.1",
    port: int = 0,
    settings: Settings | None = None,
    *,
    routes: Sequence[str] = (),
) -> RunningGateway:
    """Start the gateway for ``handler`` on ``host:port`` (0: a free port).

    ``x-api-key`` is enforced when ``settings.api_key`` is set. ``routes`` are resource
    templates reported in the events; paths matching none get the proxy resource.
    """
    api_key = settings.api_key.get_secret_value() if settings and settings.api_key else None
    gateway = LocalApiGateway(handler, api_key=api_key, routes=routes)
    return RunningGateway(_GatewayServer((host, port), gateway))
