"""The local HTTP gateway: uvicorn on loopback in front of the api handler.

``serve(handler, host, port, settings)`` binds the port (0: a free one), starts the server
on its own event loop in a background thread and returns a :class:`RunningGateway` with
``.url`` and ``.close()``, which stops taking connections and lets the requests being
answered finish.

uvicorn with h11 does the HTTP/1.1 (framing, chunked bodies, keep-alive);
:mod:`local.http_protocol` makes its own refusals JSON, :mod:`local.asgi_app` turns each
request into the API Gateway proxy event of the Lambda handlers, which run on a pool of
:data:`~local.http_limits.HANDLER_THREADS` threads.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn

from config.settings import Settings
from local.api_gateway import ApiHandler, LocalApiGateway
from local.asgi_app import GatewayApp, HttpAdapter
from local.http_limits import (
    DRAIN_TIMEOUT_S,
    HANDLER_THREADS,
    KEEP_ALIVE_TIMEOUT_S,
    LISTEN_BACKLOG,
    MAX_HEAD_BYTES,
)
from local.http_protocol import GatewayH11Protocol

logger = logging.getLogger("pocketquant.gateway")

START_TIMEOUT_S = 10.0

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    # The gateway writes the access lines and answers bad requests itself; uvicorn's own
    # lines (start-up chatter, "Invalid HTTP request received.") would say it twice.
    "loggers": {"uvicorn.error": {"level": "ERROR"}},
}


class _Server(uvicorn.Server):
    """uvicorn's server, telling another thread when it is serving (or failed to)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


class RunningGateway:
    """A gateway serving in a background thread until :meth:`close`."""

    def __init__(self, app: GatewayApp, listener: socket.socket, executor: ThreadPoolExecutor):
        self._listener = listener
        self._address = listener.getsockname()
        self._executor = executor
        config = uvicorn.Config(
            app,
            http=GatewayH11Protocol,
            ws="none",  # no websocket endpoint yet; see local.asgi_app.GatewayApp
            lifespan="off",
            loop="asyncio",
            interface="asgi3",
            log_config=LOG_CONFIG,
            access_log=False,
            proxy_headers=False,  # X-Forwarded-For from a loopback client is not trusted
            server_header=False,
            backlog=LISTEN_BACKLOG,
            timeout_keep_alive=KEEP_ALIVE_TIMEOUT_S,
            timeout_graceful_shutdown=DRAIN_TIMEOUT_S,
            h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        )
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._run, name="pocketquant-gateway", daemon=True)
        self._thread.start()
        if not self._server.ready.wait(START_TIMEOUT_S) or not self._server.started:
            self.close()
            raise RuntimeError("the local gateway did not start")

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._listener])
        except BaseException:
            logger.exception("the local gateway stopped")
        finally:
            self._server.ready.set()

    @property
    def host(self) -> str:
        return str(self._address[0])

    @property
    def port(self) -> int:
        return int(self._address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def close(self) -> None:
        """Stop accepting connections, let the requests being answered finish, free the port."""
        self._server.should_exit = True
        self._thread.join()
        self._listener.close()
        # Past the drain timeout uvicorn has given up on what still runs; so do we.
        self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> RunningGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so a busy port fails the caller at once (before it
    starts anything else: the local stack binds first)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=LISTEN_BACKLOG)


def serve(
    handler: ApiHandler,
    host: str = "127.0.0.1",
    port: int = 0,
    settings: Settings | None = None,
    *,
    routes: Sequence[str] = (),
    listener: socket.socket | None = None,
) -> RunningGateway:
    """Start the gateway for ``handler`` on ``host:port`` (0: a free port), or on
    ``listener``, a socket ``listen`` bound earlier.

    ``x-api-key`` is enforced when ``settings.api_key`` is set. ``routes`` are resource
    templates reported in the events; paths matching none get the proxy resource.
    """
    api_key = settings.api_key.get_secret_value() if settings and settings.api_key else None
    gateway = LocalApiGateway(handler, api_key=api_key, routes=routes)
    listener = listener if listener is not None else listen(host, port)
    executor = ThreadPoolExecutor(HANDLER_THREADS, thread_name_prefix="pocketquant-api")
    app = GatewayApp({"http": HttpAdapter(gateway, executor)})
    return RunningGateway(app, listener, executor)
