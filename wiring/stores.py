"""Where bars and the desired quote state live: MongoDB when a URI is configured, else
SQLite files in the data directory. The adapters are imported when chosen, so a process
on SQLite never imports pymongo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from application.quote_ports import SubscriptionStore
from domain.ports import BarStore

if TYPE_CHECKING:
    from config.settings import Settings


def _mongodb_uri(settings: Settings, override: str | None) -> str | None:
    if override is not None:
        return override
    return settings.mongodb_uri.get_secret_value() if settings.mongodb_uri is not None else None


def uses_mongodb(settings: Settings) -> bool:
    """Whether the bars live in MongoDB: a URI, or the secret that holds one, is set."""
    return settings.mongodb_uri is not None or bool(settings.mongodb_secret_arn)


def store_backend(settings: Settings) -> str:
    """The ``backend`` of the store the settings choose, without opening it (for health
    when opening it is what fails)."""
    if uses_mongodb(settings):
        from adapters.stores.mongo_store import MongoBarStore

        return MongoBarStore.backend
    from adapters.stores.sqlite_store import SqliteBarStore

    return SqliteBarStore.backend


def bar_store(settings: Settings, mongodb_uri: str | None = None) -> BarStore:
    """The configured bar store; ``mongodb_uri`` overrides ``settings.mongodb_uri``."""
    uri = _mongodb_uri(settings, mongodb_uri)
    if uri:
        from adapters.stores.mongo_store import MongoBarStore, make_mongo_client

        return MongoBarStore(make_mongo_client(uri), settings.mongodb_db)
    from adapters.stores.sqlite_store import SqliteBarStore

    return SqliteBarStore(settings.sqlite_path)


def subscription_store(settings: Settings, mongodb_uri: str | None = None) -> SubscriptionStore:
    """The durable desired quote state, beside the bars."""
    uri = _mongodb_uri(settings, mongodb_uri)
    if uri:
        from adapters.quote_state.mongo_subscriptions import MongoSubscriptionStore
        from adapters.stores.mongo_store import make_mongo_client

        return MongoSubscriptionStore(make_mongo_client(uri), settings.mongodb_db)
    from adapters.quote_state import names
    from adapters.quote_state.sqlite_subscriptions import SqliteSubscriptionStore

    return SqliteSubscriptionStore(settings.data_dir / names.SQLITE_FILE)
