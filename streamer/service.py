"""The streamer's lifetime: resume, run the loops, stop cleanly.

Start: open the parts (``StreamerParts``, from the composition root: ``wiring.streamer``),
load the snapshot (bars in progress, merged quotes, bars not yet stored) and resume it;
open the health endpoint; then run side by side the reconciler (desired state), the feed
(the quote connection), the flusher (hot state, store, events, snapshots) and the metrics
reporter. Stop (``stop`` set, e.g. on SIGTERM): the loops end, the connection closes, a
final flush stores what completed and saves the snapshot, so a deploy loses no bar in
progress; then the parts are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from application.quote_ports import (
    ControlListener,
    QuoteConnector,
    QuoteStateUnavailable,
    QuoteStateWriter,
    StreamerStatus,
    SubscriptionStore,
)
from domain.errors import DomainError
from domain.ports import BarStore, EventPublisher
from domain.series import SymbolInfo
from domain.sessions import TradingSession
from domain.symbols import Symbol
from streamer.book import SNAPSHOT_VERSION, LiveBook, TickObserver, pending_from_record
from streamer.config import StreamerConfig
from streamer.control import Reconciler
from streamer.feed import QuoteFeed
from streamer.flusher import Flusher
from streamer.health import HealthServer
from streamer.metrics import Counters, MetricsReporter
from streamer.reconnect import Backoff

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StreamerParts:
    """What a streamer runs on, opened for one run by its ``PartsOpener``."""

    subscriptions: SubscriptionStore
    writer: QuoteStateWriter
    listener: ControlListener
    store: BarStore
    events: EventPublisher
    """Where ``BarCompleted`` goes; the composition root's publisher also makes the
    series' cached bar queries stale."""
    connect: QuoteConnector
    on_auth_rejected: Callable[[], None] | None = None
    """Called when the source rejects the credentials (to sign in afresh next time)."""


PartsOpener = Callable[[StreamerConfig], AbstractAsyncContextManager[StreamerParts]]
"""Opens the parts for one run in the running event loop, and closes what it opened."""


class Streamer:
    """One streamer: ``await Streamer(config, open_parts).run(stop)`` runs it until
    ``stop`` is set."""

    def __init__(
        self,
        config: StreamerConfig,
        open_parts: PartsOpener,
        *,
        observer: TickObserver | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``observer`` sees every tick (tests record them)."""
        self.config = config
        self._open_parts = open_parts
        self._clock = clock
        self._monotonic = monotonic
        self.book = LiveBook(self.config.intervals, observer=observer)
        self.health: HealthServer | None = None
        self.resumed = False
        self.ready = asyncio.Event()
        """Set once resumed and running (tests wait for it)."""
        self._feed: QuoteFeed | None = None
        self._flusher: Flusher | None = None

    @property
    def feed(self) -> QuoteFeed:
        if self._feed is None:
            raise RuntimeError("the streamer is not running")
        return self._feed

    @property
    def flusher(self) -> Flusher:
        if self._flusher is None:
            raise RuntimeError("the streamer is not running")
        return self._flusher

    async def run(self, stop: asyncio.Event) -> None:
        async with self._open_parts(self.config) as parts:
            await self._run(parts, stop)

    async def _run(self, parts: StreamerParts, stop: asyncio.Event) -> None:
        config = self.config
        store = parts.store
        flusher = Flusher(
            self.book,
            parts.writer,
            store,
            parts.events,
            self.status,
            config=config,
            clock=self._clock,
            monotonic=self._monotonic,
        )
        self._flusher = flusher
        await self._resume(parts.writer, flusher, stop)
        feed = QuoteFeed(
            self.book,
            parts.connect,
            config,
            lookup_session=self._session_lookup(store),
            on_auth_rejected=parts.on_auth_rejected,
            clock=self._clock,
            monotonic=self._monotonic,
        )
        self._feed = feed
        reconciler = Reconciler(
            parts.subscriptions, parts.listener, feed.apply, interval=config.reconcile_interval
        )
        if config.health_port is not None:
            self.health = HealthServer(self.check_health, config.health_host, config.health_port)
            await self.health.start()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(reconciler.run(stop), name="reconciler")
                group.create_task(feed.run(stop), name="feed")
                group.create_task(flusher.run(stop), name="flusher")
                if config.metrics_interval > 0:
                    group.create_task(self._report_metrics(stop), name="metrics")
                self.ready.set()
                logger.info("streamer running")
        finally:
            if self.health is not None:
                await self.health.close()
            await self._final_flush(flusher)

    async def _resume(
        self, writer: QuoteStateWriter, flusher: Flusher, stop: asyncio.Event
    ) -> None:
        snapshot = await self._load_snapshot(writer, stop)
        if snapshot is None:
            return
        if snapshot.get("version") != SNAPSHOT_VERSION:
            logger.error("ignoring a streamer snapshot of version %r", snapshot.get("version"))
            return
        failed = self.book.restore(snapshot.get("symbols") or {})
        if failed:
            logger.error("could not resume the bars in progress of %s", ", ".join(failed))
        try:
            unstored = [pending_from_record(r) for r in snapshot.get("unstored") or []]
            unpublished = [pending_from_record(r) for r in snapshot.get("unpublished") or []]
        except (TypeError, ValueError, DomainError) as error:
            logger.error("ignoring malformed pending bars in the snapshot: %s", error)
            unstored, unpublished = [], []
        self.book.requeue_completed(unstored)
        flusher.requeue_unpublished(unpublished)
        self.resumed = True
        logger.info(
            "resumed %d symbols with bars in progress, %d bars to store, %d to announce",
            len(self.book.symbols()),
            len(unstored),
            len(unpublished),
        )

    async def _load_snapshot(
        self, writer: QuoteStateWriter, stop: asyncio.Event
    ) -> dict[str, Any] | None:
        deadline = self._monotonic() + self.config.resume_timeout
        backoff = Backoff(0.2, 5.0, healthy_after=float("inf"))
        while True:
            try:
                return await writer.load_snapshot()
            except QuoteStateUnavailable as error:
                if self._monotonic() >= deadline or stop.is_set():
                    logger.error(
                        "cannot load the streamer snapshot (%s); starting without the bars "
                        "in progress it held",
                        error.message,
                    )
                    return None
                logger.warning("cannot load the streamer snapshot yet: %s", error.message)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(backoff.next_delay()):
                    await stop.wait()

    async def _final_flush(self, flusher: Flusher) -> None:
        try:
            await flusher.flush(snapshot=True)
        except Exception:
            logger.exception("the final flush failed; the last periodic snapshot stands")
            raise
        if flusher.snapshot_outage.failing:
            logger.error("stopped without saving the snapshot: the last saved one stands")
        if self.book.completed_count:
            logger.error(
                "stopped with %d completed bars not stored; they are in the snapshot",
                self.book.completed_count,
            )
        logger.info("streamer stopped")

    def _session_lookup(
        self, store: BarStore
    ) -> Callable[[Symbol], Awaitable[TradingSession | None]]:
        async def lookup(symbol: Symbol) -> TradingSession | None:
            try:
                info = await asyncio.to_thread(store.get_symbol, symbol)
            except DomainError as error:
                logger.warning("cannot read %s from the store (%s)", symbol, error.message)
                return None
            return session_of(info)

        return lookup

    # --- what others read ---------------------------------------------------------------------

    def status(self) -> StreamerStatus:
        feed = self._feed
        if feed is None:
            return StreamerStatus(connected=False, updated_at=self._clock())
        return StreamerStatus(
            connected=feed.connected,
            updated_at=self._clock(),
            running=feed.running,
            last_tick_at=self.book.last_tick_at,
            active_symbols=tuple(feed.active_symbols()),
            unknown_symbols={symbol.key: reason for symbol, reason in feed.unknown.items()},
            reconnects=feed.reconnects,
            connected_since=feed.connected_since,
        )

    def check_health(self) -> tuple[bool, dict[str, Any]]:
        reasons: list[str] = []
        details: dict[str, Any] = {}
        flusher, feed = self._flusher, self._feed
        if flusher is not None:
            idle = self._monotonic() - flusher.last_cycle_at
            if idle > self.config.stall_after:
                reasons.append(f"the flush loop has not run for {idle:.0f}s")
            details.update(
                quote_state_ok=not flusher.state_outage.failing,
                store_ok=not flusher.store_outage.failing,
            )
        if feed is not None:
            unconnected = feed.seconds_unconnected()
            if feed.running and unconnected > self.config.health_grace:
                reasons.append(f"not connected to TradingView for {unconnected:.0f}s")
            details.update(
                running=feed.running,
                connected=feed.connected,
                reconnects=feed.reconnects,
                last_error=feed.last_error,
            )
        details.update(subscriptions=len(self.book.symbols()), reasons=reasons)
        return not reasons, details

    def counters(self) -> Counters:
        flusher, feed = self._flusher, self._feed
        return Counters(
            ticks=self.book.ticks,
            reconnects=feed.reconnects if feed is not None else 0,
            state_write_errors=flusher.state_outage.failures if flusher is not None else 0,
            store_write_errors=flusher.store_outage.failures if flusher is not None else 0,
            bars_completed=flusher.bars_stored if flusher is not None else 0,
            subscriptions=len(self.book.symbols()),
            lag_samples=self.book.take_lag_samples(),
            flush_ms=flusher.take_flush_ms() if flusher is not None else [],
        )

    async def _report_metrics(self, stop: asyncio.Event) -> None:
        reporter = MetricsReporter(self.counters, clock=self._clock)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.metrics_interval):
                    await stop.wait()
            reporter.emit()


def session_of(info: SymbolInfo | None) -> TradingSession | None:
    """The stored metadata's session, or ``None`` when it has none usable."""
    if info is None:
        return None
    try:
        return info.trading_session
    except DomainError:
        return None
