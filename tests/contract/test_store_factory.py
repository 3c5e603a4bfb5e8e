"""Which bar store the settings give: SQLite by default, MongoDB when a URI is configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters.stores.mongo_store import MongoBarStore
from adapters.stores.sqlite_store import SqliteBarStore
from config.settings import Settings
from domain.errors import StoreUnavailable
from tests.contract.samples import AAPL_DAILY, make_bars
from wiring.stores import bar_store

UNREACHABLE_URI = "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200"
NOT_A_MONGODB_URI = "https://cluster0.example.net/"


def test_without_a_mongodb_uri_the_store_is_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "pq", mongodb_uri=None)

    store = bar_store(settings)
    try:
        assert isinstance(store, SqliteBarStore)
        store.upsert_bars(AAPL_DAILY, make_bars(3))
    finally:
        store.close()

    assert settings.sqlite_path.is_file()
    reopened = bar_store(settings)
    assert reopened.count_bars(AAPL_DAILY) == 3
    reopened.close()


def test_a_mongodb_uri_in_the_settings_gives_the_mongodb_store(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, mongodb_uri=SecretStr(UNREACHABLE_URI))

    store = bar_store(settings)
    try:
        assert isinstance(store, MongoBarStore)
        with pytest.raises(StoreUnavailable):
            store.ping()
    finally:
        store.close()
    assert not settings.sqlite_path.exists()


def test_the_uri_argument_overrides_the_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, mongodb_uri=SecretStr(NOT_A_MONGODB_URI))

    store = bar_store(settings, mongodb_uri=UNREACHABLE_URI)

    assert isinstance(store, MongoBarStore)
    store.close()


def test_a_bad_uri_in_the_settings_is_store_unavailable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, mongodb_uri=SecretStr(NOT_A_MONGODB_URI))

    with pytest.raises(StoreUnavailable, match="connection string is not usable"):
        bar_store(settings)
