"""The SQLite plumbing: reads go beside a write in progress, never behind it."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from adapters.sqlite_connection import SharedConnection
from domain.errors import StoreUnavailable

WAIT_S = 10.0


def _shared(path: Path) -> SharedConnection:
    def prepare(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS bars (t INTEGER)")
        conn.execute("INSERT INTO bars VALUES (1)")

    return SharedConnection(path, prepare, subject="the test store", closed="is closed")


def test_a_read_answers_the_committed_rows_while_another_thread_writes(tmp_path: Path) -> None:
    db = _shared(tmp_path / "bars.sqlite")
    writing, release = threading.Event(), threading.Event()

    def write() -> None:
        with db.transaction("write") as conn:
            conn.execute("INSERT INTO bars VALUES (2)")
            writing.set()
            release.wait(WAIT_S)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert writing.wait(WAIT_S)
        with db.reading("count") as conn:  # the writer holds the lock: this must not wait
            (during,) = conn.execute("SELECT COUNT(*) FROM bars").fetchone()
    finally:
        release.set()
        writer.join(WAIT_S)
    with db.reading("count") as conn:
        (after,) = conn.execute("SELECT COUNT(*) FROM bars").fetchone()
    assert (during, after) == (1, 2)
    db.close()


def test_reads_refuse_once_closed_and_name_the_store(tmp_path: Path) -> None:
    db = _shared(tmp_path / "bars.sqlite")
    with db.reading("count") as conn:
        conn.execute("SELECT 1")
    db.close()
    with pytest.raises(StoreUnavailable, match="the test store is closed"), db.reading("count"):
        pass


def test_a_read_connection_cannot_write(tmp_path: Path) -> None:
    db = _shared(tmp_path / "bars.sqlite")
    with (
        pytest.raises(StoreUnavailable, match="could not sneak a write"),
        db.reading("sneak a write") as conn,
    ):
        conn.execute("INSERT INTO bars VALUES (3)")
    db.close()
