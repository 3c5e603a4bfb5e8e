"""The quote connection's lifecycle: connect, start the sessions, subscribe, read, and on
any drop reconnect with backoff and rebuild everything.

Per connection (a ``QuoteConnection``: TradingView's quote session, and a chart session to
resolve the trading sessions that bar times need) two tasks run: the reader (every message:
quotes into the book, resolutions, errors; heartbeats are echoed only while it reads) and
the syncer (applies the desired state whenever it changes). When either ends, the
connection closes; a drop, a protocol or critical error on our sessions, or silence
without heartbeats counts as a failure and the next attempt waits its backoff.

A symbol TradingView does not know (a refused quote, or an unresolvable symbol) is
reported in ``unknown`` and never asked for again, until it is unsubscribed (and perhaps
subscribed anew).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from application.quote_ports import DesiredQuotes, QuoteConnection, QuoteConnector
from domain.errors import AuthenticationRejected, DomainError
from domain.sessions import TradingSession
from domain.symbols import Symbol
from streamer.book import LiveBook
from streamer.config import StreamerConfig
from streamer.reconnect import Backoff

logger = logging.getLogger(__name__)

SessionLookup = Callable[[Symbol], Awaitable[TradingSession | None]]
"""The session the store's symbol metadata records, or ``None`` (then TradingView is asked)."""


class _SessionEnded(Exception):
    """The desired state says the connection is not wanted any more (stopped)."""


class QuoteFeed:
    def __init__(
        self,
        book: LiveBook,
        connect: QuoteConnector,
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
        self._connection: QuoteConnection | None = None
        """The live connection, while serving (the sink's callbacks subscribe on it)."""
        self.on_quote = book.on_quote
        """The hot path: quotes go straight into the book."""

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

    async def _serve(self, connection: QuoteConnection, stop: asyncio.Event) -> None:
        await connection.start()
        self._connection = connection
        self.connected_since = self._clock()
        logger.info("connected to TradingView")
        self._changed.set()
        reader = asyncio.create_task(
            connection.read(self, idle_timeout=self._config.idle_timeout, clock=self._clock)
        )
        syncer = asyncio.create_task(self._sync_loop(connection, stop))
        try:
            done, pending = await asyncio.wait(
                {reader, syncer}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            self._connection = None
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()

    # --- what the connection reports (``QuoteSink``) ------------------------------------------

    def on_quote_refused(self, name: str, reason: str) -> None:
        try:
            symbol = Symbol.parse(name)
        except DomainError:
            return
        if symbol in self._book:
            self._mark_unknown(symbol, reason)

    async def on_resolved(self, symbol: Symbol, session: TradingSession) -> None:
        self._sessions[symbol] = session
        connection = self._connection
        if symbol in self._wanted and connection is not None:
            await self._subscribe(connection, [symbol])

    def on_unresolvable(self, symbol: Symbol, reason: str) -> None:
        if symbol in self._wanted:
            self._mark_unknown(symbol, reason)

    def _mark_unknown(self, symbol: Symbol, reason: str) -> None:
        logger.warning("TradingView does not know %s (%s); not asking again", symbol, reason)
        self.unknown[symbol] = reason
        self._subscribed.discard(symbol)
        self._book.remove(symbol)

    # --- applying the desired state -------------------------------------------------------------

    async def _sync_loop(self, connection: QuoteConnection, stop: asyncio.Event) -> None:
        timeout = self._config.resolve_timeout
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._changed.wait()
            self._changed.clear()
            if stop.is_set() or not self._running:
                raise _SessionEnded
            expired = connection.expire_resolutions(self._monotonic() - timeout)
            if expired:
                logger.warning(
                    "no symbol_resolved within %gs for %s; asking again",
                    timeout,
                    ", ".join(map(str, expired)),
                )
            await self._sync(connection)

    async def _sync(self, connection: QuoteConnection) -> None:
        gone = sorted(self._subscribed - self._wanted)
        if gone:
            self._subscribed.difference_update(gone)
            await connection.remove_symbols(gone)
        waiting = connection.resolving()
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
                await connection.resolve(symbol, self._monotonic())
        await self._subscribe(connection, ready)

    async def _subscribe(self, connection: QuoteConnection, symbols: list[Symbol]) -> None:
        fresh = [s for s in symbols if s in self._wanted and s not in self._subscribed]
        if not fresh:
            return
        for symbol in fresh:
            self._book.add(symbol, self._sessions[symbol])
            self._subscribed.add(symbol)
        await connection.add_symbols(fresh)
