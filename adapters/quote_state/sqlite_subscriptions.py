"""The desired quote state in a small SQLite file beside the bar store (the local default).

Its own file and connection, so the bar store's schema and migrations stay its own. One
connection guarded by a lock serves every thread (the local gateway calls from many); writes
take the write lock at once (``BEGIN IMMEDIATE``) and a busy timeout lets a streamer in
another process share the file.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from adapters.quote_state import names
from adapters.sqlite_connection import SharedConnection
from application.quote_ports import DesiredQuotes
from domain.symbols import Symbol

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
        self._db = SharedConnection(
            path, _create_tables, subject=f"the quote subscriptions at {path}", closed="are closed"
        )

    @property
    def path(self) -> Path:
        return self._path

    def desired(self) -> DesiredQuotes:
        with self._db.connection("be read") as conn:
            conn.execute("BEGIN")
            row = conn.execute(
                f"SELECT running FROM {names.FEED_CONTROL} WHERE id = ?", (names.FEED_CONTROL_ID,)
            ).fetchone()
            rows = conn.execute(f"SELECT exchange, symbol FROM {names.SUBSCRIPTIONS}").fetchall()
            conn.execute("COMMIT")
        running = bool(row[0]) if row is not None else False
        return DesiredQuotes(running, tuple(Symbol(exchange, ticker) for exchange, ticker in rows))

    def set_running(self, running: bool) -> None:
        with self._db.connection("store the running flag") as conn:
            conn.execute(
                f"INSERT INTO {names.FEED_CONTROL} (id, running, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET running = excluded.running, "
                "updated_at = excluded.updated_at",
                (names.FEED_CONTROL_ID, int(running), time.time()),
            )

    def add_symbol(self, symbol: Symbol) -> bool:
        with self._db.connection("store a subscription") as conn:
            cursor = conn.execute(
                f"INSERT INTO {names.SUBSCRIPTIONS} (exchange, symbol, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT (exchange, symbol) DO NOTHING",
                (symbol.exchange, symbol.ticker, time.time()),
            )
            return cursor.rowcount > 0

    def remove_symbol(self, symbol: Symbol) -> bool:
        with self._db.connection("remove a subscription") as conn:
            cursor = conn.execute(
                f"DELETE FROM {names.SUBSCRIPTIONS} WHERE exchange = ? AND symbol = ?",
                (symbol.exchange, symbol.ticker),
            )
            return cursor.rowcount > 0

    def close(self) -> None:
        self._db.close()


def _create_tables(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    for statement in _SCHEMA:
        conn.execute(statement)
    conn.execute("COMMIT")
