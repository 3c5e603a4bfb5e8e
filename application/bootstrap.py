"""The composition root: picks each adapter from the settings.

Embedded defaults (SQLite, in-process bus, in-process cache) unless a variable names the
real service. ``get_services()`` is the container a Lambda handler uses: built on the
first request of a container, each part on first use, then reused by every request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from application.background import QueueUnavailable, SyncQueue
from application.bar_cache import CacheUnavailable, QueryCache
from application.redaction import register_settings_secrets
from application.secrets import with_mongodb_secret, with_tradingview_secret
from domain.ports import BarStore, EventPublisher, MarketDataFeed

if TYPE_CHECKING:
    import redis

    from config.settings import Settings

T = TypeVar("T")


def build_store(settings: Settings) -> BarStore:
    from adapters.stores.factory import bar_store_from_settings

    return bar_store_from_settings(settings)


def build_feed(settings: Settings) -> MarketDataFeed:
    from adapters.tradingview.client import TradingViewHistoryClient

    return TradingViewHistoryClient.from_settings(settings)


def build_events(settings: Settings) -> EventPublisher:
    """The bus named by ``PQ_EVENT_BUS_NAME`` (EventBridge), else the in-process bus.

    Bare: a sync's publisher also invalidates cached queries, so use ``Services.events``
    for syncs; this is for publishers that do not change bars (or do it themselves).
    """
    if settings.event_bus_name:
        from adapters.events.eventbridge import EventBridgePublisher

        return EventBridgePublisher(settings.event_bus_name)
    from adapters.events.in_process import InProcessEventBus

    return InProcessEventBus()


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
    """Every adapter a handler needs; each is built on first use and then kept.

    Secrets named by ARN in the settings are read from Secrets Manager once, by the part
    that needs them, so a missing TradingView secret does not stop bar reads.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sync_queue: SyncQueue | None = None,
        store: BarStore | None = None,
        feed: MarketDataFeed | None = None,
        cache: QueryCache | None = None,
    ) -> None:
        """Parts passed in (fakes in tests, a shared store locally) replace the built ones."""
        self._settings = settings
        register_settings_secrets(settings)
        self._lock = threading.RLock()
        given = {"store": store, "feed": feed, "cache": cache}
        self._built: dict[str, Any] = {name: part for name, part in given.items() if part}
        self._sync_queue = sync_queue

    def _get(self, name: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]

    def once(self, name: str, build: Callable[[], T]) -> T:
        """``build()`` on the first call for ``name``, the same object after (per container)."""
        found: T = self._get(f"extra:{name}", build)
        return found

    @property
    def settings(self) -> Settings:
        """The settings as configured: secrets named by ARN are not in here."""
        return self._settings

    @property
    def store(self) -> BarStore:
        store: BarStore = self._get(
            "store", lambda: build_store(with_mongodb_secret(self._settings))
        )
        return store

    @property
    def feed(self) -> MarketDataFeed:
        feed: MarketDataFeed = self._get(
            "feed", lambda: build_feed(with_tradingview_secret(self._settings))
        )
        return feed

    @property
    def events(self) -> EventPublisher:
        """The publisher every sync uses; it keeps the query cache in step with the store."""

        def build() -> EventPublisher:
            from adapters.cache.invalidation import CacheInvalidatingPublisher

            return CacheInvalidatingPublisher(
                build_events(self.settings), self.cache, on_error=_report_cache_error
            )

        events: EventPublisher = self._get("events", build)
        return events

    @property
    def redis(self) -> redis.Redis | None:
        """The one Redis client of the container, or ``None`` when no Redis is configured."""

        def build() -> redis.Redis | None:
            url = self.settings.redis_url
            if url is None:
                return None
            from adapters.cache.redis_client import redis_client

            return redis_client(url.get_secret_value())

        client: redis.Redis | None = self._get("redis", build)
        return client

    @property
    def cache(self) -> QueryCache:
        def build() -> QueryCache:
            client = self.redis
            if client is not None:
                from adapters.cache.redis_cache import RedisQueryCache

                return RedisQueryCache(client)
            from adapters.cache.memory_cache import InProcessQueryCache

            return InProcessQueryCache()

        cache: QueryCache = self._get("cache", build)
        return cache

    @property
    def idempotency_records(self) -> Any:
        """The client behind Powertools' ``CachePersistenceLayer``: Redis, or in process."""

        def build() -> Any:
            client = self.redis
            if client is not None:
                return client
            from adapters.idempotency.memory_client import InMemoryRecordClient

            return InMemoryRecordClient()

        return self._get("idempotency_records", build)

    @property
    def sync_queue(self) -> SyncQueue:
        """The queue set for this container or process, else SQS at ``PQ_SYNC_QUEUE_URL``."""
        queue = self._sync_queue or _default_sync_queue
        if queue is not None:
            return queue
        if not self._settings.sync_queue_url:
            raise QueueUnavailable(
                "background syncs are not available here: no sync queue is configured"
            )

        def build() -> SyncQueue:
            from adapters.queue.sqs import SqsSyncQueue

            return SqsSyncQueue.from_settings(self._settings)

        sqs: SyncQueue = self._get("sync_queue", build)
        return sqs

    def set_sync_queue(self, queue: SyncQueue | None) -> None:
        self._sync_queue = queue

    def close(self) -> None:
        with self._lock:
            built, self._built = self._built, {}
        store = built.get("store")
        if store is not None:
            store.close()
        client = built.get("redis")
        if client is not None:
            client.close()


_default_sync_queue: SyncQueue | None = None
_services: Services | None = None
_services_lock = threading.Lock()


def set_sync_queue(queue: SyncQueue | None) -> None:
    """Install the queue background syncs go to (the local in-process queue, or SQS)."""
    global _default_sync_queue  # noqa: PLW0603 - one queue per process, like the services
    _default_sync_queue = queue


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
