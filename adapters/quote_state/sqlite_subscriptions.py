"""The desired quote state in a small SQLite file beside the bar store (the local default).

Its own file and connection, so the bar store's schema and migrations stay its own. One
connection guarded by a lock serves every thread (the local gateway calls from many); writes
take the write lock at once (``BEGIN IMMEDIATE``) and a busy timeout lets a streamer in
another process share the file.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.quote_state import names
from application.quote_ports import DesiredQuotes
from domain.errors import StoreUnavailable
from domain.symbols import Symbol

BUSY_TIMEOUT_SECONDS = 5.0

_SCHEMA = (
    f"""
    CREATE TABLE IF NOT EXISTS {names.SUBSCRIPTIONS} (
        exchange TEXT NOT NULL,
        symbol   TEXT NOT NULL,
        added_at REAL NOT NULL,
        PRIMARY KEY (exchange, symbol)
    ) WITHOUT ROWID
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {names.FEED_CONTROL} (
        id         TEXT PRIMARY KEY,
        running    INTEGER NOT NULL,
        updated_at REAL NOT NULL
    ) WITHOUT ROWID
    """,
)


class SqliteSubscriptionStore:
    """``SubscriptionStore`` on ``<data dir>/quote_control.sqlite3``."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute("COMMIT")
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open the quote subscriptions at {path}: {exc}") from exc
        self._conn: sqlite3.Connection | None = conn

    @property
    def path(self) -> Path:
        return self._path

    @contextmanager
    def _connection(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise StoreUnavailable(f"the quote subscriptions at {self._path} are closed")
            try:
                yield self._conn
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.rollback()
                raise StoreUnavailable(
                    f"the quote subscriptions at {self._path} could not {action}: {exc}"
                ) from exc

    def desired(self) -> DesiredQuotes:
        with self._connection("be read") as conn:
            conn.execute("BEGIN")
            row = conn.execute(
                f"SELECT running FROM {names.FEED_CONTROL} WHERE id = ?", (names.FEED_CONTROL_ID,)
            ).fetchone()
            rows = conn.execute(f"SELECT exchange, symbol FROM {names.SUBSCRIPTIONS}").fetchall()
            conn.execute("COMMIT")
        running = bool(row[0]) if row is not None else False
        return DesiredQuotes(running, tuple(Symbol(exchange, ticker) for exchange, ticker in rows))

    def set_running(self, running: bool) -> None:
        with self._connection("store the running flag") as conn:
            conn.execute(
                f"INSERT INTO {names.FEED_CONTROL} (id, running, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET running = excluded.running, "
                "updated_at = excluded.updated_at",
                (names.FEED_CONTROL_ID, int(running), time.time()),
            )

    def add_symbol(self, symbol: Symbol) -> bool:
        with self._connection("store a subscription") as conn:
            cursor = conn.execute(
                f"INSERT INTO {names.SUBSCRIPTIONS} (exchange, symbol, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT (exchange, symbol) DO NOTHING",
                (symbol.exchange, symbol.ticker, time.time()),
            )
            return cursor.rowcount > 0

    def remove_symbol(self, symbol: Symbol) -> bool:
        with self._connection("remove a subscription") as conn:
            cursor = conn.execute(
                f"DELETE FROM {names.SUBSCRIPTIONS} WHERE exchange = ? AND symbol = ?",
                (symbol.exchange, symbol.ticker),
            )
            return cursor.rowcount > 0

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
