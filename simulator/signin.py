"""TradingView's sign-in (``POST /accounts/signin/``) on loopback, for tests and the demo.

uvicorn serves it beside the websocket: a form with ``username`` and ``password`` is
answered as TradingView answers it, with ``{"user": {"username", "auth_token"}}`` where the
token is JWT-shaped with an ``exp`` claim (``token_lifetime`` seconds from now), or with the
refusal the fault switches ask for: an HTTP status (429 with ``Retry-After``, 500), or wrong
credentials (HTTP 200 with an ``error``). Every attempt is counted in the stats.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import orjson
import uvicorn

from simulator.config import SimulatorConfig
from simulator.stats import SimulatorStats

SIGNIN_PATH = "/accounts/signin/"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def issue_token(username: str, expires_at: float) -> str:
    """A JWT-shaped token as TradingView's: header, claims (with ``exp``), signature."""
    header = _b64(orjson.dumps({"alg": "RS512", "typ": "JWT"}))
    claims = _b64(orjson.dumps({"user": username, "exp": int(expires_at), "iat": int(time.time())}))
    return f"{header}.{claims}.{_b64(secrets.token_bytes(32))}"


class SignInApp:
    """The ASGI app of the sign-in endpoint."""

    def __init__(self, config: SimulatorConfig, stats: SimulatorStats) -> None:
        self._config = config
        self._stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] != SIGNIN_PATH or scope["method"] != "POST":
            await _answer(send, 404, {"error": "not found"})
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        await self._sign_in(form, send)

    async def _sign_in(self, form: dict[str, str], send: Send) -> None:
        config, stats = self._config, self._stats
        stats.signin_attempts += 1
        status = config.signin_refuse_status
        if status is not None:
            wait = config.refuse_retry_after
            headers = [(b"retry-after", str(wait).encode())] if wait is not None else []
            await _answer(send, status, {"error": "Too many requests"}, headers)
            return
        username = form.get("username", "")
        wrong = (
            config.signin_password is not None and form.get("password") != config.signin_password
        )
        if config.signin_reject or wrong or not username:
            await _answer(
                send, 200, {"error": "Invalid username or password", "code": "invalid_credentials"}
            )
            return
        expires_at = time.time() + config.token_lifetime
        token = issue_token(username, expires_at)
        stats.issued_tokens[token] = expires_at
        stats.signins += 1
        await _answer(send, 200, {"user": {"username": username, "auth_token": token}})


async def _answer(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": orjson.dumps(body)})


class _QuietServer(uvicorn.Server):
    """uvicorn inside the simulator's event loop: it leaves the process's signals alone."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


class SignInServer:
    """The endpoint on ``host:port`` (0: a free port), started and stopped with the
    simulator."""

    def __init__(self, app: SignInApp, host: str, port: int) -> None:
        self._socket = socket.create_server((host, port))
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, lifespan="off", log_config=None, log_level="warning", access_log=False
        )
        self._server = _QuietServer(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{SIGNIN_PATH}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        await self._server.ready.wait()
        if not self._server.started:
            await self._task
            raise RuntimeError("the simulator's sign-in endpoint did not start")

    async def close(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self._socket.close()
