"""Choose the bar store from settings: MongoDB when a URI is configured, SQLite otherwise."""

from __future__ import annotations

from config.settings import Settings
from domain.ports import BarStore


def bar_store_from_settings(settings: Settings, mongodb_uri: str | None = None) -> BarStore:
    """The configured bar store.

    ``mongodb_uri`` overrides ``settings.mongodb_uri``: on AWS the caller reads the URI from
    Secrets Manager (``settings.mongodb_secret_arn``) and passes it here. The adapters are
    imported lazily so a process on SQLite never imports pymongo.
    """
    uri = mongodb_uri
    if uri is None and settings.mongodb_uri is not None:
        uri = settings.mongodb_uri.get_secret_value()
    if uri:
        from adapters.stores.mongo_store import MongoBarStore, make_mongo_client

        return MongoBarStore(make_mongo_client(uri), settings.mongodb_db)
    from adapters.stores.sqlite_store import SqliteBarStore

    return SqliteBarStore(settings.sqlite_path)
