"""What the MongoDB store adds to the contract: client settings, partial failures, indexes."""

from __future__ import annotations

import dataclasses
import time
import traceback
from collections.abc import Callable
from typing import Any

import mongomock
import pytest
from pymongo.errors import DuplicateKeyError

from adapters.stores import names
from adapters.stores.mongo_store import MongoBarStore, make_mongo_client
from domain.errors import StoreUnavailable
from tests.contract.conftest import MongoUnderTest
from tests.contract.samples import (
    AAPL,
    AAPL_DAILY,
    DAY,
    make_bars,
    ok_status,
    repriced,
    symbol_info,
)

PASSWORD = "hunter2-secret"


def test_the_client_is_configured_for_lambda() -> None:
    client = make_mongo_client("mongodb://127.0.0.1:9/")
    try:
        options = client.options
        assert options.pool_options.max_pool_size == 4
        assert options.pool_options.min_pool_size == 0
        assert options.server_selection_timeout == 5
        assert options.pool_options.connect_timeout == 5
        assert options.pool_options.socket_timeout == 20
        assert options.retry_writes is True
        assert options.retry_reads is True
        assert options.pool_options.metadata["application"]["name"] == "pocketquant"
        assert client.codec_options.tz_aware is True
    finally:
        client.close()


def test_options_in_the_connection_string_win_over_the_defaults() -> None:
    client = make_mongo_client("mongodb://127.0.0.1:9/?maxPoolSize=10&appName=research")
    try:
        assert client.options.pool_options.max_pool_size == 10
        assert client.options.pool_options.metadata["application"]["name"] == "research"
        assert client.options.server_selection_timeout == 5
    finally:
        client.close()


def _full_report(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def test_an_unreachable_server_is_store_unavailable_and_the_password_stays_secret() -> None:
    uri = f"mongodb://pq:{PASSWORD}@127.0.0.1:9/?serverSelectionTimeoutMS=300"
    store = MongoBarStore(make_mongo_client(uri), "pocketquant")
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="MongoDB could not answer a ping") as ping:
            store.ping()
        assert time.monotonic() - started < 3
        with pytest.raises(StoreUnavailable, match="MongoDB could not store bars") as upsert:
            store.upsert_bars(AAPL_DAILY, make_bars(2))
        with pytest.raises(StoreUnavailable, match="MongoDB could not read bars"):
            store.get_bars(AAPL_DAILY, limit=10)
    finally:
        store.close()

    for raised in (ping.value, upsert.value):
        assert "127.0.0.1:9" in raised.message
        assert PASSWORD not in _full_report(raised)


@pytest.mark.parametrize(
    "uri",
    [
        f"mongodb://pq:{PASSWORD}@db.example:notaport/",
        f"mongodb://pq:{PASSWORD}@",
        f"mongodb://pq:{PASSWORD}@db@example/",
        f"postgres://pq:{PASSWORD}@db.example/",
    ],
)
def test_an_unusable_connection_string_is_refused_without_repeating_it(uri: str) -> None:
    with pytest.raises(StoreUnavailable, match="connection string is not usable") as refused:
        make_mongo_client(uri)

    assert PASSWORD not in _full_report(refused.value)


def test_a_failure_part_way_through_a_batch_leaves_every_bar_whole(
    mongo: MongoUnderTest,
) -> None:
    existing = make_bars(10)
    mongo.store.upsert_bars(AAPL_DAILY, existing)
    replacements = [repriced(bar, 1_000.0) for bar in existing[5:]]
    additions = make_bars(6, start=existing[-1].time + DAY, price=500.0)
    # A second unique index makes the server refuse one bar whose open repeats another's.
    mongo.database[names.BARS].create_index([(names.OPEN, 1)], unique=True)
    refused = dataclasses.replace(additions[3], open=existing[0].open)
    batch = [*replacements, *additions[:3], refused, *additions[4:]]

    with pytest.raises(StoreUnavailable, match="1 write"):
        mongo.store.upsert_bars(AAPL_DAILY, batch)

    stored = mongo.store.get_bars(AAPL_DAILY)
    assert stored == existing[:5] + replacements + additions[:3] + additions[4:]


def test_a_batch_that_failed_part_way_still_raises_the_version(mongo: MongoUnderTest) -> None:
    """Some bars of it were written, so what a cache holds of the series is stale."""
    existing = make_bars(4)
    mongo.store.upsert_bars(AAPL_DAILY, existing)
    before = mongo.store.series_version(AAPL_DAILY)
    mongo.database[names.BARS].create_index([(names.OPEN, 1)], unique=True)
    additions = make_bars(3, start=existing[-1].time + DAY, price=500.0)
    refused = dataclasses.replace(additions[1], open=existing[0].open)

    with pytest.raises(StoreUnavailable):
        mongo.store.upsert_bars(AAPL_DAILY, [additions[0], refused, additions[2]])

    assert mongo.store.series_version(AAPL_DAILY) == before + 1


def test_the_unique_index_refuses_a_second_document_for_one_bar(mongo: MongoUnderTest) -> None:
    bar = make_bars(1)[0]
    mongo.store.upsert_bars(AAPL_DAILY, [bar])
    duplicate = {
        names.EXCHANGE: "NASDAQ",
        names.SYMBOL: "AAPL",
        names.INTERVAL: "1d",
        names.TIME: bar.time,
        names.OPEN: 1.0,
    }

    with pytest.raises(DuplicateKeyError):
        mongo.database[names.BARS].insert_one(duplicate)


def test_indexes_are_created_once_per_client_and_database(
    mongomock_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original: Callable[..., Any] = mongomock.collection.Collection.create_index

    def counting_create_index(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(f"{self.database.name}.{self.name}")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(mongomock.collection.Collection, "create_index", counting_create_index)
    first = MongoBarStore(mongomock_client, "one")
    second = MongoBarStore(mongomock_client, "one")
    other = MongoBarStore(mongomock_client, "two")

    first.upsert_bars(AAPL_DAILY, make_bars(2))
    first.put_status(ok_status(AAPL_DAILY))
    second.put_symbol(symbol_info(AAPL))
    other.upsert_bars(AAPL_DAILY, make_bars(2))

    assert sorted(calls) == [
        "one.ohlcv",
        "one.series_versions",
        "one.symbols",
        "one.sync_status",
        "two.ohlcv",
        "two.series_versions",
        "two.symbols",
        "two.sync_status",
    ]


def test_symbol_documents_stored_before_subsessions_read_with_none(
    mongo: MongoUnderTest,
) -> None:
    old = {
        names.EXCHANGE: "NASDAQ",
        names.SYMBOL: "AAPL",
        names.NAME: "AAPL",
        names.DESCRIPTION: "Apple",
        names.TYPE: "stock",
        names.CURRENCY: "USD",
        names.TIMEZONE: "America/New_York",
        names.SESSION: "0930-1600",
        names.SESSION_HOLIDAYS: "20240101",
        names.PRICESCALE: 100,
        names.HAS_VOLUME: True,
    }
    mongo.database[names.SYMBOLS].insert_one(old)

    info = mongo.store.get_symbol(AAPL)

    assert info is not None
    assert (info.session, info.corrections, info.subsession_id, info.subsessions) == (
        "0930-1600",
        "",
        "",
        (),
    )
