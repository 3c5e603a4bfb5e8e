"""The simulator's websocket server: ``Simulator`` for tests, ``serve_forever`` for the CLI."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from simulator.clock import SimClock
from simulator.config import SimulatorConfig
from simulator.connection import Connection
from simulator.history import History
from simulator.signin import SignInApp, SignInServer
from simulator.stats import SimulatorStats

PATH = "/socket.io/websocket"
QUERY = "from=chart&type=chart"


class Simulator:
    """A TradingView websocket endpoint on loopback, started with ``async with``."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config if config is not None else SimulatorConfig()
        self.stats = SimulatorStats()
        self.clock = SimClock(self.config)
        self.history = History()
        self.url = ""
        self._server: Server | None = None
        self._signin: SignInServer | None = None
        self._connections: set[Connection] = set()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def __aenter__(self) -> Simulator:
        config = self.config
        self._server = await serve(
            self._serve_connection,
            config.host,
            config.port,
            process_request=self._process_request,
            compression=None,
            ping_interval=None,
            max_size=2**22,
        )
        self.url = f"ws://{config.host}:{self.port}{PATH}?{QUERY}"
        if config.signin_port is not None:
            self._signin = SignInServer(
                SignInApp(config, self.stats), config.host, config.signin_port
            )
            await self._signin.start()
        return self

    @property
    def signin_url(self) -> str:
        """Where to sign in (``PQ_TRADINGVIEW_SIGNIN_URL``)."""
        if self._signin is None:
            raise RuntimeError("the simulator serves no sign-in endpoint")
        return self._signin.url

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        signin, self._signin = self._signin, None
        if signin is not None:
            await signin.close()
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    async def drop_all(self) -> None:
        """Cut every current connection (no closing handshake) and wait until they are gone."""
        connections = list(self._connections)
        for connection in connections:
            connection.drop()
        await asyncio.gather(*(c.ws.wait_closed() for c in connections))

    def advance_clock(self, seconds: float) -> None:
        """Move the quote clock forward, e.g. into the next session."""
        self.clock.advance(seconds)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if urlsplit(request.path).path != PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
        status = self.config.refuse_status
        if status is not None:
            self.stats.handshakes_refused += 1
            refusal = connection.respond(HTTPStatus(status), f"{HTTPStatus(status).phrase}\n")
            wait = self.config.refuse_retry_after
            if wait is not None:
                refusal.headers["Retry-After"] = str(wait)
            return refusal
        return None

    async def _serve_connection(self, ws: ServerConnection) -> None:
        connection = Connection(ws, self.config, self.clock, self.history, self.stats)
        self._connections.add(connection)
        self.stats.connections_opened += 1
        try:
            await connection.serve()
        finally:
            self._connections.discard(connection)
            self.stats.connections_closed += 1


async def serve_forever(config: SimulatorConfig) -> None:
    """Run until cancelled (the ``pocketquant simulator`` command)."""
    async with Simulator(config):
        await asyncio.Event().wait()
