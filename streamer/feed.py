"""The TradingView connection's lifecycle: connect, create the sessions, subscribe, read,
and on any drop reconnect with backoff and rebuild everything.

Per connection: one quote session (fields set once, symbols added as they become known)
and one chart session used only to ``resolve_symbol`` the trading sessions that bar times
need. Two tasks share the connection: the reader (every message: ``qsd`` into the book,
resolutions, errors; it also keeps heartbeats echoed, which only happens while reading)
and the syncer (applies the desired state whenever it changes). When either ends, the
connection closes; a drop, a ``protocol_error``, a ``critical_error`` on our sessions or
silence without heartbeats counts as a failure and the next attempt waits its backoff.

A symbol TradingView does not know (``qsd`` with ``s: "error"``, or ``symbol_error`` on
resolution) is reported in ``unknown`` and never asked for again, until it is
unsubscribed (and perhaps subscribed anew).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from adapters.tradingview import messages
from adapters.tradingview.codec import Message
from adapters.tradingview.connection import ReplyTimeout
from adapters.tradingview.messages import Outgoing
from application.quote_ports import DesiredQuotes
from domain.errors import AuthenticationRejected, DomainError, FeedProtocolError, FeedUnavailable
from domain.sessions import TradingSession
from domain.symbols import Symbol
from streamer import quote_session
from streamer.book import LiveBook
from streamer.config import StreamerConfig
from streamer.reconnect import Backoff
from streamer.symbols import Resolved, SymbolResolver

logger = logging.getLogger(__name__)


class Connection(Protocol):
    """What the feed needs of ``TradingViewConnection`` (tests may pass a fake)."""

    heartbeats_echoed: int

    async def send(self, method: str, params: list[object]) -> None: ...

    async def receive(self, within: float | None = None) -> Message: ...

    async def close(self) -> None: ...


Connector = Callable[[], Awaitable[Connection]]
"""Opens an authenticated connection (raises ``FeedUnavailable``, ``AuthenticationRejected``)."""

SessionLookup = Callable[[Symbol], Awaitable[TradingSession | None]]
"""The session the store's symbol metadata records, or ``None`` (then TradingView is asked)."""


class _SessionEnded(Exception):
    """The desired state says the connection is not wanted any more (stopped)."""


class QuoteFeed:
    def __init__(
        self,
        book: LiveBook,
        connect: Connector,
        config: StreamerConfig,
        *,
        lookup_session: SessionLookup | None = None,
        on_auth_rejected: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._book = book
        self._connect = connect
        self._config = config
        self._lookup_session = lookup_session
        self._on_auth_rejected = on_auth_rejected
        self._clock = clock
        self._monotonic = monotonic
        self._backoff = Backoff(config.backoff_base, config.backoff_cap, config.healthy_after)
        self._changed = asyncio.Event()
        self._running = False
        self._wanted: set[Symbol] = set()
        self._sessions: dict[Symbol, TradingSession] = {
            s: f.session for s in book.symbols() if (f := book.feed(s)) is not None
        }
        self._subscribed: set[Symbol] = set()
        """Symbols added to the quote session of the live connection."""
        self.unknown: dict[Symbol, str] = {}
        self.connected_since: float | None = None
        """When the live connection opened (``clock`` time); ``None`` while unconnected."""
        self.reconnects = 0
        self.last_error: str | None = None
        """The latest connection failure (kept after a reconnect, for the health details)."""
        self._unconnected_since = monotonic()
        self._desired_seen = asyncio.Event()

    # --- what the control loop and the status read ----------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    @property
    def connected(self) -> bool:
        return self.connected_since is not None

    def apply(self, desired: DesiredQuotes) -> None:
        """Take the desired state; the live connection catches up at once."""
        wanted = set(desired.symbols)
        for symbol in [s for s in self.unknown if s not in wanted]:
            del self.unknown[symbol]  # unsubscribed: a later subscribe tries it again
        for symbol in [s for s in self._book.symbols() if s not in wanted]:
            self._book.remove(symbol)
        if desired.running and not self._running:
            self._unconnected_since = self._monotonic()
        self._running = desired.running
        self._wanted = wanted
        self._desired_seen.set()
        self._changed.set()

    def active_symbols(self) -> list[str]:
        """Symbols subscribed on the live connection."""
        if not self.connected:
            return []
        return sorted(s.key for s in self._subscribed)

    def seconds_unconnected(self) -> float:
        """0 while connected; else how long since the last connection (or since asked to run)."""
        return 0.0 if self.connected else self._monotonic() - self._unconnected_since

    # --- the connection loop --------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Keep a connection while running, until ``stop`` is set."""
        waker = asyncio.create_task(self._wake_on(stop))
        try:
            await self._desired_seen.wait()
            while not stop.is_set():
                if not self._running:
                    self._changed.clear()
                    await self._changed.wait()
                    continue
                started = self._monotonic()
                failed = await self._one_connection(stop)
                if stop.is_set() or not failed:
                    continue
                self.reconnects += 1
                delay = self._backoff.next_delay(self._monotonic() - started)
                logger.info("reconnecting to TradingView in %.2fs", delay)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await stop.wait()
        finally:
            waker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waker

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._desired_seen.set()
        self._changed.set()

    async def _one_connection(self, stop: asyncio.Event) -> bool:
        """One connection from open to close; ``True`` when it failed."""
        try:
            connection = await self._connect()
        except DomainError as error:
            self._failed(error)
            return True
        try:
            await self._serve(connection, stop)
        except _SessionEnded:
            return False
        except DomainError as error:
            self._failed(error)
            return True
        finally:
            self._disconnected()
            await connection.close()
        return False

    def _failed(self, error: DomainError) -> None:
        self.last_error = error.message
        if isinstance(error, AuthenticationRejected) and self._on_auth_rejected is not None:
            self._on_auth_rejected()
        logger.warning("TradingView quote connection failed: %s", error.message)

    def _disconnected(self) -> None:
        if self.connected:
            self._unconnected_since = self._monotonic()
        self.connected_since = None
        self._subscribed.clear()

    async def _serve(self, connection: Connection, stop: asyncio.Event) -> None:
        quote = messages.quote_session_id()
        resolver = SymbolResolver(messages.chart_session_id())
        await _send(connection, quote_session.quote_create_session(quote))
        await _send(connection, quote_session.quote_set_fields(quote))
        await _send(connection, resolver.create_session())
        self.connected_since = self._clock()
        logger.info("connected to TradingView; quote session %s", quote)
        self._changed.set()
        reader = asyncio.create_task(self._read(connection, quote, resolver))
        syncer = asyncio.create_task(self._sync_loop(connection, quote, resolver, stop))
        done, pending = await asyncio.wait({reader, syncer}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()

    # --- reading ----------------------------------------------------------------------------

    async def _read(self, connection: Connection, quote: str, resolver: SymbolResolver) -> None:
        book = self._book
        clock = self._clock
        idle = self._config.idle_timeout
        heartbeats = connection.heartbeats_echoed
        while True:
            try:
                message = await connection.receive(idle)
            except ReplyTimeout:
                if connection.heartbeats_echoed == heartbeats:
                    raise FeedUnavailable(
                        f"TradingView sent neither messages nor heartbeats for {idle:g}s"
                    ) from None
                heartbeats = connection.heartbeats_echoed
                continue
            method = message.method
            if method == "qsd":
                error = book.on_qsd(message.params, clock())
                if error is not None:
                    self._quote_error(error.name, error.reason)
            elif method in ("symbol_resolved", "symbol_error"):
                await self._resolution(connection, quote, resolver, message)
            elif method == "critical_error":
                params = message.params
                if params and params[0] in (quote, resolver.chart_session):
                    failure = messages.error_for(message)
                    raise failure if failure is not None else FeedProtocolError("critical error")

    def _quote_error(self, name: str, reason: str) -> None:
        try:
            symbol = Symbol.parse(name)
        except DomainError:
            return
        self._mark_unknown(symbol, reason)

    def _mark_unknown(self, symbol: Symbol, reason: str) -> None:
        logger.warning("TradingView does not know %s (%s); not asking again", symbol, reason)
        self.unknown[symbol] = reason
        self._subscribed.discard(symbol)
        self._book.remove(symbol)

    async def _resolution(
        self, connection: Connection, quote: str, resolver: SymbolResolver, message: Message
    ) -> None:
        outcome = resolver.on_message(message)
        if outcome is None:
            return
        if isinstance(outcome, Resolved):
            self._sessions[outcome.symbol] = outcome.session
            if outcome.symbol in self._wanted:
                await self._subscribe(connection, quote, [outcome.symbol])
        elif outcome.symbol in self._wanted:
            self._mark_unknown(outcome.symbol, outcome.reason)

    # --- applying the desired state -------------------------------------------------------------

    async def _sync_loop(
        self, connection: Connection, quote: str, resolver: SymbolResolver, stop: asyncio.Event
    ) -> None:
        timeout = self._config.resolve_timeout
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._changed.wait()
            self._changed.clear()
            if stop.is_set() or not self._running:
                raise _SessionEnded
            expired = resolver.expire(self._monotonic() - timeout)
            if expired:
                logger.warning(
                    "no symbol_resolved within %gs for %s; asking again",
                    timeout,
                    ", ".join(map(str, expired)),
                )
            await self._sync(connection, quote, resolver)

    async def _sync(self, connection: Connection, quote: str, resolver: SymbolResolver) -> None:
        gone = sorted(self._subscribed - self._wanted)
        if gone:
            self._subscribed.difference_update(gone)
            await _send(
                connection, quote_session.quote_remove_symbols(quote, (s.key for s in gone))
            )
        waiting = resolver.pending()
        missing = sorted(self._wanted - self._subscribed - self.unknown.keys() - waiting)
        ready: list[Symbol] = []
        for symbol in missing:
            session = self._sessions.get(symbol)
            if session is None and self._lookup_session is not None:
                session = await self._lookup_session(symbol)
                if session is not None:
                    self._sessions[symbol] = session
            if session is not None:
                ready.append(symbol)
            else:
                await _send(connection, resolver.request(symbol, self._monotonic()))
        await self._subscribe(connection, quote, ready)

    async def _subscribe(self, connection: Connection, quote: str, symbols: list[Symbol]) -> None:
        fresh = [s for s in symbols if s in self._wanted and s not in self._subscribed]
        if not fresh:
            return
        for symbol in fresh:
            self._book.add(symbol, self._sessions[symbol])
            self._subscribed.add(symbol)
        names = [s.key for s in fresh]
        await _send(connection, quote_session.quote_add_symbols(quote, names))
        await _send(connection, quote_session.quote_fast_symbols(quote, names))


async def _send(connection: Connection, outgoing: Outgoing) -> None:
    await connection.send(outgoing.method, outgoing.params)
