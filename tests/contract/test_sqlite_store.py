"""What the embedded SQLite store adds to the contract: a file, threads, real rollbacks."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from adapters.stores.sqlite_schema import MIGRATIONS, SCHEMA_VERSION
from adapters.stores.sqlite_store import SqliteBarStore
from domain.bars import SeriesKey
from domain.errors import StoreUnavailable
from domain.intervals import Interval
from domain.symbols import Symbol
from tests.contract.samples import (
    AAPL,
    AAPL_DAILY,
    DAY,
    START,
    failed_status,
    make_bars,
    repriced,
    symbol_info,
)


def test_opening_creates_the_directory_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "data" / "bars.sqlite3"

    SqliteBarStore(path).close()

    assert path.is_file()


def test_everything_written_is_there_after_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bars.sqlite3"
    bars = make_bars(100)
    store = SqliteBarStore(path)
    store.upsert_bars(AAPL_DAILY, bars)
    store.put_status(failed_status(AAPL_DAILY))
    store.put_symbol(symbol_info(AAPL))
    store.close()

    reopened = SqliteBarStore(path)
    try:
        assert reopened.get_bars(AAPL_DAILY) == bars
        assert reopened.get_status(AAPL_DAILY) == failed_status(AAPL_DAILY)
        assert reopened.get_symbol(AAPL) == symbol_info(AAPL)
        assert reopened.upsert_bars(AAPL_DAILY, bars) == 0
    finally:
        reopened.close()


def test_two_stores_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "bars.sqlite3"
    writer, reader = SqliteBarStore(path), SqliteBarStore(path)
    try:
        writer.upsert_bars(AAPL_DAILY, make_bars(5))

        assert reader.count_bars(AAPL_DAILY) == 5
        assert reader.upsert_bars(AAPL_DAILY, make_bars(6)) == 1
        assert writer.count_bars(AAPL_DAILY) == 6
    finally:
        writer.close()
        reader.close()


def test_many_threads_can_write_and_read_at_once(tmp_path: Path) -> None:
    store = SqliteBarStore(tmp_path / "bars.sqlite3")
    shared = make_bars(500)
    store.upsert_bars(AAPL_DAILY, shared)
    threads_count, pages, page_size = 8, 10, 100
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_count)

    def work(n: int) -> None:
        key = SeriesKey(Symbol("TEST", f"T{n}"), Interval.M1)
        bars = make_bars(pages * page_size, step=60, price=10.0 + n)
        try:
            barrier.wait()
            for page in range(pages):
                chunk = bars[page * page_size : (page + 1) * page_size]
                assert store.upsert_bars(key, chunk) == page_size
                assert store.get_bars(AAPL_DAILY, limit=100) == shared[-100:]
                store.put_status(failed_status(key))
            assert store.get_bars(key) == bars
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(store.list_statuses()) == threads_count
    store.close()


def test_a_write_by_another_process_raises_the_version_this_one_reads(tmp_path: Path) -> None:
    """What the in-process cache relies on: a second connection (a CLI sync) moves the
    counter the running stack's connection reads."""
    path = tmp_path / "bars.sqlite3"
    stack, cli = SqliteBarStore(path), SqliteBarStore(path)
    try:
        stack.upsert_bars(AAPL_DAILY, make_bars(3))
        seen = stack.series_version(AAPL_DAILY)
        cli.upsert_bars(AAPL_DAILY, make_bars(5))
        assert stack.series_version(AAPL_DAILY) == seen + 1
    finally:
        stack.close()
        cli.close()


def test_a_batch_rolled_back_leaves_the_version(tmp_path: Path) -> None:
    store = SqliteBarStore(tmp_path / "bars.sqlite3")
    store.upsert_bars(AAPL_DAILY, make_bars(3))
    before = store.series_version(AAPL_DAILY)
    with sqlite3.connect(tmp_path / "bars.sqlite3") as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON ohlcv BEGIN SELECT RAISE(ABORT, 'no'); END"
        )
    conn.close()

    with pytest.raises(StoreUnavailable):
        store.upsert_bars(AAPL_DAILY, make_bars(2, start=START + 10 * DAY))

    assert store.series_version(AAPL_DAILY) == before  # one transaction with the bars
    store.close()


def test_a_failure_inside_sqlite_mid_batch_rolls_the_whole_batch_back(tmp_path: Path) -> None:
    store = SqliteBarStore(tmp_path / "bars.sqlite3")
    existing = make_bars(10)
    store.upsert_bars(AAPL_DAILY, existing)
    batch = [repriced(bar, 2.0) for bar in existing[5:]] + make_bars(
        10, start=existing[-1].time + DAY
    )
    poisoned_time = batch[-3].time
    # A trigger makes SQLite itself refuse the batch after most of its rows went in.
    with sqlite3.connect(tmp_path / "bars.sqlite3") as conn:
        conn.execute(
            f"""CREATE TRIGGER refuse BEFORE INSERT ON ohlcv WHEN NEW.time = {poisoned_time}
            BEGIN SELECT RAISE(ABORT, 'disk says no'); END"""
        )
    conn.close()

    with pytest.raises(StoreUnavailable, match="disk says no"):
        store.upsert_bars(AAPL_DAILY, batch)

    assert store.get_bars(AAPL_DAILY) == existing
    assert store.upsert_bars(AAPL_DAILY, batch[:-3]) == 7  # the store is still usable
    store.close()


def test_a_file_from_a_newer_pocketquant_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bars.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()

    with pytest.raises(StoreUnavailable, match=f"schema version {SCHEMA_VERSION + 1}"):
        SqliteBarStore(path)

    with sqlite3.connect(path) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    conn.close()
    assert tables == []


def test_a_file_that_is_not_a_database_is_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "bars.sqlite3"
    path.write_bytes(b"this is not a database, just some text " * 100)

    with pytest.raises(StoreUnavailable, match=str(path)):
        SqliteBarStore(path)


def test_a_directory_that_cannot_be_created_is_store_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")

    with pytest.raises(StoreUnavailable, match="cannot open the SQLite bar store"):
        SqliteBarStore(blocker / "bars.sqlite3")


def test_symbols_stored_by_schema_version_1_read_with_no_corrections_or_subsessions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bars.sqlite3"
    with sqlite3.connect(path) as conn:
        for statement in MIGRATIONS[1]:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO symbols VALUES ('NASDAQ', 'AAPL', 'AAPL', 'Apple', 'stock', 'USD',"
            " 'America/New_York', '0930-1600', '20240101', 100, 1)"
        )
        conn.execute("PRAGMA user_version = 1")
    conn.close()

    store = SqliteBarStore(path)
    try:
        info = store.get_symbol(AAPL)
        assert info is not None
        assert (info.session, info.corrections, info.subsession_id, info.subsessions) == (
            "0930-1600",
            "",
            "",
            (),
        )
        store.put_symbol(symbol_info(AAPL))
        assert store.get_symbol(AAPL) == symbol_info(AAPL)
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    conn.close()
