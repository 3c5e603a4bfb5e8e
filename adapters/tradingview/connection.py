"""One TradingView websocket connection, shared by the history client and the quote streamer.

``async with TradingViewConnection(url, token, ...) as connection`` connects with browser-like
headers (TradingView's firewall checks them), reads the server hello and sends
``set_auth_token`` before anything else. ``receive()`` (or ``async for``) then yields the
server's method messages; heartbeats are echoed as soon as they are read, so a caller must
keep reading for the connection to stay alive. Every transport failure surfaces as
``FeedUnavailable`` and ``protocol_error ["bad auth token"]`` as ``AuthenticationRejected``.
The token never appears in logs or error messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException
from websockets.typing import Origin

from adapters.tradingview import codec, messages
from domain.errors import FeedProtocolError, FeedRefused, FeedUnavailable

logger = logging.getLogger(__name__)

BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
BROWSER_HEADERS = {
    "Accept-Language": "en-US,en;q=0.9",
    "Cache-Control": "no-cache",
    "Pragma": "no-cache",
}
# A 5,000-bar history is about half a megabyte of JSON; leave ample room.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_CLOSE_TIMEOUT = 2.0


class ReplyTimeout(FeedUnavailable):
    """Nothing but heartbeats arrived within the allowed time."""


def chart_url(url: str) -> str:
    """``url`` with ``type=chart`` in its query: TradingView refuses chart work without it."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key == "type" for key, _ in query):
        return url
    query.append(("type", "chart"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """An HTTP ``Retry-After`` (seconds, or a date) as seconds from now; ``None`` if absent
    or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _handshake_refusal(status: int) -> str:
    if status == 403:
        return "TradingView refused the websocket handshake with HTTP 403 (blocked by its firewall)"
    if status == 429:
        return "TradingView refused the websocket handshake with HTTP 429 (rate limited)"
    return f"TradingView refused the websocket handshake with HTTP {status}"


class TradingViewConnection:
    """An open, authenticated websocket to TradingView (use as an async context manager)."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        origin: str = "https://www.tradingview.com",
        timeout: float = 20.0,
        user_agent: str = BROWSER_USER_AGENT,
        compression: bool = True,
    ) -> None:
        self.url = chart_url(url)
        self._token = token
        self._origin = origin
        self.timeout = timeout
        self._user_agent = user_agent
        self._compression = compression
        self._socket: ClientConnection | None = None
        self._pending: deque[codec.Message] = deque()
        self.hello: codec.Hello | None = None
        self.heartbeats_echoed = 0
        self._auth_sent = False
        self.accepted = False
        """TradingView accepted the session: after ``set_auth_token`` a heartbeat or a
        message other than ``protocol_error`` arrived (a good token gets no reply; a bad one
        gets ``protocol_error`` and a close at once)."""
        self._on_accepted: Callable[[], None] | None = None

    def __repr__(self) -> str:
        return f"TradingViewConnection(url={self.url!r})"

    async def __aenter__(self) -> TradingViewConnection:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def open(self) -> None:
        """Connect, read the hello and authenticate."""
        self._socket = await self._connect()
        try:
            await self._read_hello()
            await self.send(*messages.set_auth_token(self._token))
            self._auth_sent = True
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        socket, self._socket = self._socket, None
        if socket is not None:
            await socket.close()

    async def _connect(self) -> ClientConnection:
        where = urlsplit(self.url).netloc
        logger.debug("connecting to TradingView at %s", where)
        try:
            return await connect(
                self.url,
                origin=Origin(self._origin),
                user_agent_header=self._user_agent,
                additional_headers=BROWSER_HEADERS,
                open_timeout=self.timeout,
                close_timeout=_CLOSE_TIMEOUT,
                # TradingView keeps the connection alive with its own ~h~ heartbeats.
                ping_interval=None,
                max_size=MAX_MESSAGE_BYTES,
                compression="deflate" if self._compression else None,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status == 429:
                wait = retry_after_seconds(exc.response.headers.get("Retry-After"))
                raise FeedRefused(_handshake_refusal(status), retry_after=wait) from exc
            raise FeedUnavailable(_handshake_refusal(status)) from exc
        except InvalidURI as exc:
            raise FeedUnavailable(f"invalid TradingView URL: {exc}") from exc
        except TimeoutError as exc:
            raise FeedUnavailable(
                f"TradingView at {where} did not accept a connection within {self.timeout:g}s"
            ) from exc
        except (OSError, WebSocketException) as exc:
            raise FeedUnavailable(f"cannot connect to TradingView at {where}: {exc}") from exc

    async def _read_hello(self) -> None:
        """Wait for the hello; any method message that comes first is kept for ``receive``."""
        while self.hello is None and not self._pending:
            await self._read_socket(self.timeout, self.timeout)

    async def send(self, method: str, params: list[Any]) -> None:
        await self._send_text(codec.encode(method, params))

    async def _send_text(self, text: str) -> None:
        socket = self._require_socket()
        try:
            await socket.send(text)
        except ConnectionClosed as exc:
            raise _closed(exc) from exc

    async def receive(self, within: float | None = None) -> codec.Message:
        """The next method message, waiting at most ``within`` seconds (default: ``timeout``).

        Raises ``ReplyTimeout`` when only heartbeats (or nothing) arrive in time, and the
        mapped domain error on ``protocol_error`` (which TradingView follows with a close).
        """
        limit = self.timeout if within is None else within
        deadline = asyncio.get_running_loop().time() + limit
        while not self._pending:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise ReplyTimeout(f"no reply from TradingView within {limit:g}s")
            await self._read_socket(remaining, limit)
        message = self._pending.popleft()
        if message.method == "protocol_error":
            error = messages.error_for(message)
            if error is not None:
                raise error
        return message

    def __aiter__(self) -> TradingViewConnection:
        return self

    async def __anext__(self) -> codec.Message:
        """``receive()``: each message must come within ``timeout`` (heartbeats do not count)."""
        return await self.receive()

    async def _read_socket(self, wait: float, limit: float) -> None:
        """Read one websocket message within ``wait`` seconds (``limit`` is the whole
        allowance, for the error message), echoing heartbeats and queueing messages."""
        socket = self._require_socket()
        try:
            async with asyncio.timeout(wait):
                text = await socket.recv()
        except TimeoutError:
            raise ReplyTimeout(f"no reply from TradingView within {limit:g}s") from None
        except ConnectionClosed as exc:
            raise _closed(exc) from exc
        if not isinstance(text, str):
            raise FeedProtocolError("TradingView sent a binary frame; only JSON text is supported")
        for payload in codec.parse_message(text):
            if isinstance(payload, codec.Heartbeat):
                await self._send_text(codec.encode_heartbeat(payload))
                self.heartbeats_echoed += 1
                self._accept()
            elif isinstance(payload, codec.Hello):
                self.hello = payload
            else:
                if payload.method != "protocol_error":
                    self._accept()
                self._pending.append(payload)

    def on_accepted(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once TradingView has accepted the session (at once if it has)."""
        self._on_accepted = callback
        if self.accepted:
            callback()

    def _accept(self) -> None:
        if self.accepted or not self._auth_sent:
            return
        self.accepted = True
        if self._on_accepted is not None:
            self._on_accepted()

    def _require_socket(self) -> ClientConnection:
        if self._socket is None:
            raise FeedUnavailable("the TradingView connection is not open")
        return self._socket


def _closed(exc: ConnectionClosed) -> FeedUnavailable:
    close = exc.rcvd or exc.sent
    if close is None:
        reason = "no close frame"
    else:
        reason = f"code {close.code}" + (f": {close.reason}" if close.reason else "")
    return FeedUnavailable(f"TradingView closed the connection ({reason})")
