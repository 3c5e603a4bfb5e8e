"""One client connection: hello, heartbeats, auth, dispatch and the fault switches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from adapters.tradingview import codec
from domain.errors import FeedProtocolError
from simulator.chart import ChartSessions
from simulator.clock import SimClock
from simulator.config import SimulatorConfig
from simulator.history import History
from simulator.protocol import message
from simulator.quotes import QuoteSessions
from simulator.stats import SimulatorStats

log = logging.getLogger(__name__)

ANONYMOUS_TOKEN = "unauthorized_user_token"
RELEASE = "registry.xtools.tv/tvbs_release/webchart:release_207-21"


def hello(now: float) -> str:
    """The first payload on every connection: a JSON object without ``m``."""
    node = secrets.token_hex(3)
    return codec.encode_json(
        {
            "session_id": f"<0.{secrets.randbelow(99999)}.{secrets.randbelow(9999)}>_sim-{node}",
            "timestamp": int(now),
            "timestampMs": int(now * 1000),
            "release": RELEASE,
            "studies_metadata_hash": "f0ba4cbb7a0b43b3bd2c5f4b57d5e8cbb6c4f5b4",
            "auth_scheme_vsn": 2,
            "protocol": "json",
            "via": "127.0.0.1:443",
            "javastudies": ["3.66"],
        },
        ascii_only=False,
    )


class Connection:
    """Serves one websocket until it closes, is dropped or the simulator stops."""

    def __init__(
        self,
        ws: ServerConnection,
        config: SimulatorConfig,
        clock: SimClock,
        history: History,
        stats: SimulatorStats,
    ) -> None:
        self.ws = ws
        self._config = config
        self._clock = clock
        self._stats = stats
        self._sent = 0
        self._authorized = False
        self._pending_beats: dict[str, float] = {}
        self._inbox: asyncio.Queue[codec.Message] = asyncio.Queue()
        self._send_lock = asyncio.Lock()
        self._closing = False
        self.charts = ChartSessions(self, config, clock, history, stats)
        self.quotes = QuoteSessions(self, config, clock, history, stats)

    async def serve(self) -> None:
        tasks: list[asyncio.Task[None]] = []
        try:
            await self.send(hello(self._clock.quote_time()))
            tasks = [
                asyncio.create_task(self._heartbeats()),
                asyncio.create_task(self._dispatch()),
            ]
            await self._read()
        finally:
            for task in tasks:
                task.cancel()
            self.charts.close()
            self.quotes.close()
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- sending -----------------------------------------------------------------------

    async def send(self, *frames: str) -> None:
        """Send ``frames`` in one websocket message; a closed connection swallows them."""
        if self._closing:
            return
        text = "".join(frames)
        async with self._send_lock:
            try:
                await self.ws.send(text)
            except ConnectionClosed:
                return
            stats = self._stats
            stats.messages_sent += 1
            for payload in codec.split_frames(text):
                if payload.startswith('{"m":"'):
                    stats.frames_sent[payload[6 : payload.index('"', 6)]] += 1
            self._sent += 1
            limit = self._config.drop_after_messages
            if limit is not None and self._sent >= limit:
                self.drop()

    async def _send_heartbeat(self, payload: str) -> None:
        if self._closing:
            return
        async with self._send_lock:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(codec.frame(payload))
                self._stats.heartbeats_sent += 1
                self._stats.messages_sent += 1

    def drop(self) -> None:
        """Cut the connection without a closing handshake, like a network failure."""
        if self._closing:
            return
        self._closing = True
        self._stats.connections_dropped += 1
        self.ws.transport.abort()

    async def close(self, reason: str) -> None:
        if self._closing:
            return
        self._closing = True
        await self.ws.close(1000, reason)

    async def _fail(self, text: str) -> None:
        """``protocol_error`` then close: what TradingView does with bad input or tokens."""
        self._stats.protocol_errors += 1
        await self.send(message("protocol_error", [text]))
        await self.close(text)

    # -- receiving ---------------------------------------------------------------------

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                if not isinstance(raw, str):
                    await self._fail("wrong data")
                    return
                try:
                    payloads = codec.parse_message(raw)
                except FeedProtocolError:
                    await self._fail("wrong data")
                    return
                for payload in payloads:
                    if isinstance(payload, codec.Heartbeat):
                        if self._pending_beats.pop(payload.payload, None) is not None:
                            self._stats.heartbeats_echoed += 1
                    elif isinstance(payload, codec.Message):
                        self._stats.messages_received[payload.method] += 1
                        self._inbox.put_nowait(payload)
                    else:
                        await self._fail("wrong data")
                        return

    async def _heartbeats(self) -> None:
        number = 0
        next_beat = time.monotonic() + self._config.heartbeat_interval
        while True:
            config = self._config
            oldest = min(self._pending_beats.values(), default=None)
            deadline = oldest + config.heartbeat_timeout if oldest is not None else next_beat
            await asyncio.sleep(max(0.0, min(next_beat, deadline) - time.monotonic()))
            current = time.monotonic()
            oldest = min(self._pending_beats.values(), default=None)
            if oldest is not None and current >= oldest + config.heartbeat_timeout:
                self._stats.heartbeat_timeouts += 1
                await self.close("heartbeat timeout")
                return
            if current >= next_beat:
                number += 1
                payload = f"~h~{number}"
                self._pending_beats[payload] = current
                await self._send_heartbeat(payload)
                next_beat = current + config.heartbeat_interval

    async def _dispatch(self) -> None:
        while True:
            item = await self._inbox.get()
            delay = self._config.reply_delay
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await self._handle(item.method, item.params)
            except Exception:
                # A simulator bug must not silently stall the connection: say so and go on.
                log.exception("simulator failed on %s %r", item.method, item.params)
                await self.send(message("critical_error", ["", "internal error", item.method]))

    async def _handle(self, method: str, params: list[Any]) -> None:
        if not self._authorized:
            if method != "set_auth_token":
                await self._fail("auth required: send set_auth_token first")
                return
            await self._authorize(params)
            return
        if method in ChartSessions.METHODS:
            await self.charts.handle(method, params)
        elif method in QuoteSessions.METHODS:
            await self.quotes.handle(method, params)
        elif method == "set_auth_token":
            await self._authorize(params)
        # Other methods (set_locale, set_data_quality, studies, ...) are accepted silently.

    async def _authorize(self, params: list[Any]) -> None:
        token = params[0] if params and isinstance(params[0], str) else None
        config = self._config
        if token is not None:
            self._stats.auth_tokens.append(token)
        expires_at = self._stats.issued_tokens.get(token) if token is not None else None
        expired = expires_at is not None and expires_at <= time.time()
        if token is None or config.reject_token or token in config.rejected_tokens or expired:
            self._stats.auth_rejected += 1
            await self._fail("bad auth token")
            return
        if config.protocol_error is not None:
            await self._fail(config.protocol_error)
            return
        self._authorized = True  # TradingView answers a good token with nothing.
