"""The container: every adapter and use case a process needs, chosen from the settings.

Embedded defaults (SQLite, in-process bus, cache, quote state and queue) unless a
variable names the real service. Each part is built on first use and kept; ``close()``
closes everything that was opened. ``get_services()`` is the container a Lambda handler
uses: built on the first request of a container, then reused by every request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from application.background import JobBoard, NoJobBoard, QueueUnavailable, SyncQueue
from application.bar_cache import CacheUnavailable, QueryCache
from application.quote_ports import (
    ControlNotifier,
    QuoteStateReader,
    SubscriptionStore,
)
from domain.bars import SeriesKey
from domain.ports import BarStore, EventPublisher, MarketDataFeed
from wiring import guardrails, secrets, stores

if TYPE_CHECKING:
    import redis

    from adapters.quote_state.in_process import InProcessControl, InProcessQuoteState
    from adapters.tradingview.auth import TradingViewAuth
    from application.guardrails import TradingViewGuard
    from application.quotes import QuoteService
    from config.settings import Settings

T = TypeVar("T")

CacheErrorListener = Callable[[CacheUnavailable], None]
_cache_error_listeners: list[CacheErrorListener] = []


def on_cache_error(listener: CacheErrorListener) -> None:
    """Call ``listener`` whenever a cache invalidation fails (e.g. to count a metric).

    Registering the same listener again changes nothing, so handlers that share a process
    (the local stack) can each register it.
    """
    if listener not in _cache_error_listeners:
        _cache_error_listeners.append(listener)


def _report_cache_error(error: CacheUnavailable) -> None:
    for listener in _cache_error_listeners:
        listener(error)


class Services:
    """Every part a handler, the streamer or a command needs; each built on first use.

    Secrets named by ARN in the settings are read from Secrets Manager once, by the part
    that needs them, so a missing TradingView secret does not stop bar reads. Parts passed
    in (fakes in tests) replace the built ones and are closed with the rest.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        store: BarStore | None = None,
        feed: MarketDataFeed | None = None,
        cache: QueryCache | None = None,
        sync_queue: SyncQueue | None = None,
    ) -> None:
        self._settings = settings
        secrets.register_settings_secrets(settings)
        self._lock = threading.RLock()
        given = {"store": store, "given_feed": feed, "cache": cache}
        self._built: dict[str, Any] = {name: part for name, part in given.items() if part}
        self._sync_queue = sync_queue

    def _get(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            found: T = self._built[name]
            return found

    def once(self, name: str, build: Callable[[], T]) -> T:
        """``build()`` on the first call for ``name``, the same object after (per container)."""
        return self._get(f"extra:{name}", build)

    @property
    def settings(self) -> Settings:
        """The settings as configured: secrets named by ARN are not in here."""
        return self._settings

    # --- bars -------------------------------------------------------------------------------

    @property
    def store(self) -> BarStore:
        return self._get(
            "store", lambda: stores.bar_store(secrets.with_mongodb_secret(self._settings))
        )

    @property
    def store_backend(self) -> str:
        """The store's ``backend``; from the settings' choice while it is not open (opening
        it may be what fails)."""
        with self._lock:
            store: BarStore | None = self._built.get("store")
        return store.backend if store is not None else stores.store_backend(self._settings)

    @property
    def feed(self) -> MarketDataFeed:
        """History from TradingView behind the guardrails, for a sync a client waits on:
        over the request budget it is refused at once (429 with ``Retry-After``)."""
        return self._guarded_feed("feed", budget_wait=0.0)

    @property
    def bulk_feed(self) -> MarketDataFeed:
        """The same for a bulk sync: each series waits for the budget while the bulk's
        deadline lasts, so a bulk larger than the burst is paced instead of refused."""
        return self._guarded_feed("bulk_feed", budget_wait=self._settings.sync_deadline)

    @property
    def queued_feed(self) -> MarketDataFeed:
        """The same for queued syncs, which wait a while for the budget instead."""
        wait = self._settings.tradingview_queued_budget_wait
        return self._guarded_feed("queued_feed", budget_wait=wait)

    def _guarded_feed(self, name: str, budget_wait: float) -> MarketDataFeed:
        """The feed given to this container (tests), else one built once under ``name``."""
        with self._lock:
            given: MarketDataFeed | None = self._built.get("given_feed")
        if given is not None:
            return given

        def build() -> MarketDataFeed:
            from application.guardrails import GuardedFeed

            return GuardedFeed(self._history_client(), self.tradingview_guard, budget_wait)

        return self._get(name, build)

    def _history_client(self) -> MarketDataFeed:
        def build() -> MarketDataFeed:
            from adapters.tradingview.client import TradingViewHistoryClient

            # The credentials (from their secret, when named by ARN) are the auth's.
            return TradingViewHistoryClient.from_settings(
                self._settings, auth=self.tradingview_auth
            )

        return self._get("history_client", build)

    @property
    def tradingview_guard(self) -> TradingViewGuard:
        """The circuit breaker and request budget every TradingView request passes."""
        return self._get(
            "tradingview_guard",
            lambda: guardrails.tradingview_guard(self._settings, self.redis),
        )

    @property
    def tradingview_auth(self) -> TradingViewAuth:
        """The TradingView credentials history syncs and the streamer's quote connection
        sign in with (a secret named by ARN is read here, when first needed); a signed-in
        token is the deployment's, kept in Redis or the data dir."""

        def build() -> TradingViewAuth:
            from adapters.tradingview.auth import TradingViewAuth

            return TradingViewAuth.from_settings(
                secrets.with_tradingview_secret(self._settings),
                store=guardrails.token_stores(self._settings, self.redis),
            )

        return self._get("tradingview_auth", build)

    # --- events and the query cache ------------------------------------------------------

    @property
    def events(self) -> EventPublisher:
        """The bus named by ``PQ_EVENT_BUS_NAME`` (EventBridge), else the in-process bus,
        behind the one publisher that keeps the query cache in step with the store: every
        ``BarsSynced`` (syncs) and ``BarCompleted`` (the streamer) makes its series'
        cached queries stale."""

        def build() -> EventPublisher:
            from adapters.cache.invalidation import CacheInvalidatingPublisher

            return CacheInvalidatingPublisher(self._bus(), self.cache, on_error=_report_cache_error)

        return self._get("events", build)

    def _bus(self) -> EventPublisher:
        name = self._settings.event_bus_name
        if name:
            from adapters.events.eventbridge import EventBridgePublisher

            return EventBridgePublisher(name)
        from adapters.events.in_process import InProcessEventBus

        return InProcessEventBus()

    @property
    def redis(self) -> redis.Redis | None:
        """The one Redis client of the container, or ``None`` when no Redis is configured."""

        def build() -> redis.Redis | None:
            url = self._settings.redis_url
            if url is None:
                return None
            from adapters.cache.redis_client import redis_client

            return redis_client(url.get_secret_value())

        return self._get("redis", build)

    @property
    def cache(self) -> QueryCache:
        def build() -> QueryCache:
            client = self.redis
            if client is not None:
                from adapters.cache.redis_cache import RedisQueryCache

                return RedisQueryCache(client)
            from adapters.cache.memory_cache import InProcessQueryCache

            def store_version(key: SeriesKey) -> int:
                # Opened on first lookup, not here: health checks the cache apart from it.
                return self.store.series_version(key)

            # Without Redis nothing tells this process of another's writes: the store's
            # version of each series does, read on each lookup.
            return InProcessQueryCache(store_version=store_version)

        return self._get("cache", build)

    # --- idempotency records ------------------------------------------------------------------

    def idempotency_store(self) -> Any:
        """A new Powertools persistence layer over this container's records: Redis, or in
        process. One per idempotent command (Powertools keeps the key prefix on it)."""
        from adapters.idempotency.persistence import record_store

        return record_store(self._get("idempotency_records", self._idempotency_records))

    def _idempotency_records(self) -> Any:
        client = self.redis
        if client is not None:
            return client
        from adapters.idempotency.memory_client import InMemoryRecordClient

        return InMemoryRecordClient()

    # --- background syncs ----------------------------------------------------------------

    @property
    def sync_queue(self) -> SyncQueue:
        """The queue set for this container (the local stack's), else SQS at
        ``PQ_SYNC_QUEUE_URL``."""
        if self._sync_queue is not None:
            return self._sync_queue
        if not self._settings.sync_queue_url:
            raise QueueUnavailable(
                "background syncs are not available here: no sync queue is configured"
            )

        def build() -> SyncQueue:
            from adapters.queue.sqs import SqsSyncQueue

            return SqsSyncQueue.from_settings(self._settings)

        return self._get("sync_queue", build)

    def set_sync_queue(self, queue: SyncQueue | None) -> None:
        """Send background syncs to ``queue`` (the local stack's in-process worker)."""
        self._sync_queue = queue

    @property
    def job_board(self) -> JobBoard:
        """The latest background job of each series: the local queue's; none on SQS, which
        cannot be listed (a dead-lettered job shows in the sync status all the same)."""
        queue = self._sync_queue
        return queue if isinstance(queue, JobBoard) else NoJobBoard()

    # --- live quotes ----------------------------------------------------------------------

    @property
    def subscriptions(self) -> SubscriptionStore:
        """The durable desired quote state, beside the bars."""
        return self._get(
            "subscriptions",
            lambda: stores.subscription_store(secrets.with_mongodb_secret(self._settings)),
        )

    @property
    def local_quote_state(self) -> InProcessQuoteState:
        """The hot quote state in this process (no Redis): what an in-process streamer
        writes and this container's quote reads see."""

        def build() -> InProcessQuoteState:
            from adapters.quote_state import names
            from adapters.quote_state.in_process import InProcessQuoteState

            return InProcessQuoteState(self._settings.data_dir / names.SNAPSHOT_FILE)

        return self._get("local_quote_state", build)

    @property
    def local_control(self) -> InProcessControl:
        """The control signal in this process (no Redis), from the quote routes to an
        in-process streamer."""

        def build() -> InProcessControl:
            from adapters.quote_state.in_process import InProcessControl

            return InProcessControl()

        return self._get("local_control", build)

    def _quote_reader(self) -> QuoteStateReader:
        client = self.redis
        if client is None:
            return self.local_quote_state
        from adapters.quote_state.redis_state import RedisQuoteReader

        return RedisQuoteReader(client)

    def _control_notifier(self) -> ControlNotifier:
        client = self.redis
        if client is None:
            return self.local_control
        from adapters.quote_state.redis_control import RedisControlNotifier

        return RedisControlNotifier(client)

    @property
    def quote_state_backend(self) -> str:
        """Where the streamer's reports are read from: ``redis`` or ``in-process``."""
        return "redis" if self._settings.redis_url is not None else "in-process"

    @property
    def quotes(self) -> QuoteService:
        """The live-quote use cases (control the feed, read what the streamer built)."""

        def build() -> QuoteService:
            from application.quotes import QuoteService

            return QuoteService(self.subscriptions, self._quote_reader(), self._control_notifier())

        return self._get("quotes", build)

    # --- lifetime -----------------------------------------------------------------------

    def close(self) -> None:
        """Close everything this container opened (and the parts it was given)."""
        with self._lock:
            built, self._built = self._built, {}
        for name in ("store", "subscriptions"):
            part = built.get(name)
            if part is not None:
                part.close()
        client = built.get("redis")
        if client is not None:
            client.close()  # the cache's, the idempotency records' and the quote reads'

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


_services: Services | None = None
_services_lock = threading.Lock()


def get_services() -> Services:
    """The container of this process, built from ``get_settings()`` on first use."""
    global _services  # noqa: PLW0603 - one container per Lambda container / local process
    # Imported here: pydantic-settings costs ~0.1 s, paid on the first request, not on import.
    from config.settings import get_settings

    with _services_lock:
        if _services is None:
            _services = Services(get_settings())
        return _services


def use_services(services: Services | None) -> Services | None:
    """Replace the container (tests, the local stack); returns the previous one."""
    global _services
    with _services_lock:
        previous, _services = _services, services
    return previous
