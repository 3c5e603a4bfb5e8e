"""The streamer's wiring and lifetime: resume, run the loops, stop cleanly.

Start: load the snapshot (bars in progress, merged quotes, bars not yet stored) and resume
it; open the health endpoint; then run side by side the reconciler (desired state), the
feed (TradingView connection), the flusher (hot state, store, events, snapshots) and the
metrics reporter. Stop (``stop`` set, e.g. on SIGTERM): the loops end, the connection
closes, and a final flush stores what completed and saves the snapshot, so a deploy loses
no bar in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from adapters.tradingview.auth import TradingViewAuth
from adapters.tradingview.quote_connection import quote_connector
from application.bar_cache import QueryCache
from application.bootstrap import build_events
from application.quote_ports import (
    ControlListener,
    QuoteConnector,
    QuoteStateUnavailable,
    QuoteStateWriter,
    StreamerStatus,
    SubscriptionStore,
)
from config.settings import Settings
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


@dataclass
class StreamerParts:
    """The adapters a streamer uses; any left ``None`` is built from the settings (and
    closed by the streamer), any given is the caller's to close."""

    subscriptions: SubscriptionStore | None = None
    writer: QuoteStateWriter | None = None
    listener: ControlListener | None = None
    store: BarStore | None = None
    events: EventPublisher | None = None
    cache: QueryCache | None = None
    """The API's query cache, made stale as completed bars are stored: Redis when
    ``PQ_REDIS_URL`` is set, else none (nothing else shares this process's memory)."""
    connect: QuoteConnector | None = None
    auth: TradingViewAuth | None = None
    observer: TickObserver | None = None
    owned: list[Callable[[], Awaitable[None] | None]] = field(default_factory=list)


def _build_parts(settings: Settings, given: StreamerParts, config: StreamerConfig) -> StreamerParts:
    from adapters.quote_state import factory

    # Anything given stays the caller's to close; ``owned`` lists what is built here, and
    # ``auth`` is the built connector's.
    parts = replace(given, auth=None, owned=[])
    owned = parts.owned
    if parts.subscriptions is None:
        parts.subscriptions = factory.subscription_store_from_settings(settings)
        owned.append(parts.subscriptions.close)
    if parts.writer is None:
        parts.writer = factory.quote_writer_from_settings(settings)
        owned.append(parts.writer.aclose)
    if parts.listener is None:
        parts.listener = factory.control_listener_from_settings(settings)
        owned.append(parts.listener.aclose)
    if parts.store is None:
        from adapters.stores.factory import bar_store_from_settings

        parts.store = bar_store_from_settings(settings)
        owned.append(parts.store.close)
    if parts.events is None:
        parts.events = build_events(settings)
    if parts.cache is None and settings.redis_url is not None:
        from adapters.cache.redis_cache import RedisQueryCache
        from adapters.cache.redis_client import redis_client

        client = redis_client(settings.redis_url.get_secret_value())
        owned.append(client.close)
        parts.cache = RedisQueryCache(client)
    if parts.connect is None:
        parts.auth = TradingViewAuth.from_settings(settings)
        parts.connect = quote_connector(
            settings.tradingview_url,
            parts.auth.token,
            origin=settings.tradingview_origin,
            timeout=config.connect_timeout,
        )
    return parts


class Streamer:
    """One streamer. ``await Streamer(settings).run(stop)`` runs it until ``stop`` is set."""

    def __init__(
        self,
        settings: Settings,
        config: StreamerConfig | None = None,
        parts: StreamerParts | None = None,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.config = config if config is not None else StreamerConfig()
        self._given = parts if parts is not None else StreamerParts()
        self._clock = clock
        self._monotonic = monotonic
        self.book = LiveBook(self.config.intervals, observer=self._given.observer)
        self.health: HealthServer | None = None
        self.resumed = False
        self.ready = asyncio.Event()
        """Set once resumed and running (tests wait for it)."""
        self._parts: StreamerParts | None = None
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
        parts = _build_parts(self.settings, self._given, self.config)
        self._parts = parts
        try:
            await self._run(parts, stop)
        finally:
            await _close_all(parts.owned)

    async def _run(self, parts: StreamerParts, stop: asyncio.Event) -> None:
        assert parts.subscriptions is not None and parts.writer is not None
        assert parts.listener is not None and parts.store is not None
        assert parts.events is not None and parts.connect is not None
        config = self.config
        store = parts.store
        flusher = Flusher(
            self.book,
            parts.writer,
            store,
            parts.events,
            self.status,
            config=config,
            cache=parts.cache,
            clock=self._clock,
            monotonic=self._monotonic,
        )
        self._flusher = flusher
        await self._resume(parts.writer, flusher, stop)
        auth = parts.auth
        feed = QuoteFeed(
            self.book,
            parts.connect,
            config,
            lookup_session=self._session_lookup(store),
            on_auth_rejected=auth.forget if auth is not None and auth.can_refresh else None,
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
        if self._parts is not None and self.book.completed_count:
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


async def _close_all(closers: list[Callable[[], Awaitable[None] | None]]) -> None:
    for close in reversed(closers):
        try:
            result = close()
            if result is not None:
                await result
        except Exception:
            logger.exception("closing %r failed", close)


async def run_streamer(
    settings: Settings,
    *,
    stop: asyncio.Event,
    config: StreamerConfig | None = None,
    parts: StreamerParts | None = None,
) -> None:
    """Run a streamer until ``stop`` is set (what ``pocketquant run`` starts in-process).

    Without ``config`` it runs no health endpoint: the local stack has its own ``/health``.
    """
    chosen = config if config is not None else StreamerConfig(health_port=None)
    await Streamer(settings, chosen, parts).run(stop)
