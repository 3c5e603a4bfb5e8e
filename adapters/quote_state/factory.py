"""Pick the live-quote adapters from the settings.

Redis when ``PQ_REDIS_URL`` is set; otherwise in-process objects shared by everything in
this process that uses the same data directory (the local gateway's handlers and the
streamer that ``pocketquant run`` starts beside them). The desired state lives with the
bars: MongoDB when a URI is configured, else a SQLite file in the data directory.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.quote_state import names
from adapters.quote_state.in_process import InProcessControl, InProcessQuoteState
from application.quote_ports import (
    ControlListener,
    ControlNotifier,
    QuoteStateReader,
    QuoteStateWriter,
    SubscriptionStore,
)
from application.quotes import QuoteService
from config.settings import Settings

if TYPE_CHECKING:
    import redis

_lock = threading.Lock()
_local_states: dict[Path, InProcessQuoteState] = {}
_local_controls: dict[Path, InProcessControl] = {}


def _redis_url(settings: Settings) -> str | None:
    return settings.redis_url.get_secret_value() if settings.redis_url is not None else None


def local_quote_state(settings: Settings) -> InProcessQuoteState:
    """The process-wide in-process state for ``settings.data_dir``."""
    key = settings.data_dir.resolve()
    with _lock:
        state = _local_states.get(key)
        if state is None:
            state = InProcessQuoteState(settings.data_dir / names.SNAPSHOT_FILE)
            _local_states[key] = state
        return state


def local_control(settings: Settings) -> InProcessControl:
    """The process-wide in-process control signal for ``settings.data_dir``."""
    key = settings.data_dir.resolve()
    with _lock:
        control = _local_controls.get(key)
        if control is None:
            control = InProcessControl()
            _local_controls[key] = control
        return control


def subscription_store_from_settings(
    settings: Settings, mongodb_uri: str | None = None
) -> SubscriptionStore:
    """``mongodb_uri`` overrides ``settings.mongodb_uri`` (read from Secrets Manager on AWS)."""
    uri = mongodb_uri
    if uri is None and settings.mongodb_uri is not None:
        uri = settings.mongodb_uri.get_secret_value()
    if uri:
        from adapters.quote_state.mongo_subscriptions import MongoSubscriptionStore
        from adapters.stores.mongo_store import make_mongo_client

        return MongoSubscriptionStore(make_mongo_client(uri), settings.mongodb_db)
    from adapters.quote_state.sqlite_subscriptions import SqliteSubscriptionStore

    return SqliteSubscriptionStore(settings.data_dir / names.SQLITE_FILE)


def quote_reader_from_settings(settings: Settings) -> QuoteStateReader:
    url = _redis_url(settings)
    if url:
        from adapters.quote_state.redis_state import RedisQuoteReader, sync_client

        return RedisQuoteReader(sync_client(url))
    return local_quote_state(settings)


def control_notifier_from_settings(settings: Settings) -> ControlNotifier:
    url = _redis_url(settings)
    if url:
        from adapters.quote_state.redis_control import RedisControlNotifier
        from adapters.quote_state.redis_state import sync_client

        return RedisControlNotifier(sync_client(url))
    return local_control(settings)


def quote_writer_from_settings(settings: Settings) -> QuoteStateWriter:
    url = _redis_url(settings)
    if url:
        from adapters.quote_state.redis_state import RedisQuoteWriter, async_client

        return RedisQuoteWriter(async_client(url))
    return local_quote_state(settings)


def control_listener_from_settings(settings: Settings) -> ControlListener:
    url = _redis_url(settings)
    if url:
        from adapters.quote_state.redis_control import RedisControlListener
        from adapters.quote_state.redis_state import async_client

        return RedisControlListener(async_client(url))
    return local_control(settings).listener()


def quote_service_from_settings(
    settings: Settings, mongodb_uri: str | None = None, *, redis_client: redis.Redis | None = None
) -> QuoteService:
    """The quote use cases wired to the configured adapters (one per process is enough).

    ``redis_client`` lets a caller share its Redis client (the api function's); without it,
    one is made when ``PQ_REDIS_URL`` is set.
    """
    subscriptions = subscription_store_from_settings(settings, mongodb_uri)
    if redis_client is None or not _redis_url(settings):
        return QuoteService(
            subscriptions,
            quote_reader_from_settings(settings),
            control_notifier_from_settings(settings),
        )
    from adapters.quote_state.redis_control import RedisControlNotifier
    from adapters.quote_state.redis_state import RedisQuoteReader

    return QuoteService(
        subscriptions, RedisQuoteReader(redis_client), RedisControlNotifier(redis_client)
    )
