"""The SQLite bar store's schema and its migrations, versioned with ``PRAGMA user_version``."""

from __future__ import annotations

import sqlite3

from adapters.stores import names
from domain.errors import StoreUnavailable

SCHEMA_VERSION = 3

# MIGRATIONS[n] takes a database from version n - 1 to n. Append; never edit a released step.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        f"""
        CREATE TABLE {names.BARS} (
            exchange TEXT NOT NULL,
            symbol   TEXT NOT NULL,
            interval TEXT NOT NULL,
            time     INTEGER NOT NULL,
            open     REAL NOT NULL,
            high     REAL NOT NULL,
            low      REAL NOT NULL,
            close    REAL NOT NULL,
            volume   REAL,
            PRIMARY KEY (exchange, symbol, interval, time)
        ) WITHOUT ROWID
        """,
        f"""
        CREATE TABLE {names.SYNC_STATUS} (
            exchange      TEXT NOT NULL,
            symbol        TEXT NOT NULL,
            interval      TEXT NOT NULL,
            status        TEXT NOT NULL,
            bar_count     INTEGER NOT NULL,
            last_sync_at  INTEGER,
            last_bar_at   INTEGER,
            first_bar_at  INTEGER,
            error_code    TEXT,
            error_message TEXT,
            extra         TEXT NOT NULL DEFAULT '{{}}',
            PRIMARY KEY (exchange, symbol, interval)
        ) WITHOUT ROWID
        """,
        f"""
        CREATE TABLE {names.SYMBOLS} (
            exchange         TEXT NOT NULL,
            symbol           TEXT NOT NULL,
            name             TEXT NOT NULL,
            description      TEXT NOT NULL,
            type             TEXT NOT NULL,
            currency         TEXT,
            timezone         TEXT NOT NULL,
            session          TEXT NOT NULL,
            session_holidays TEXT NOT NULL,
            pricescale       INTEGER,
            has_volume       INTEGER NOT NULL,
            PRIMARY KEY (exchange, symbol)
        ) WITHOUT ROWID
        """,
    ),
    # What symbol_resolved says of single days and of regular and extended hours.
    2: (
        f"ALTER TABLE {names.SYMBOLS} ADD COLUMN corrections TEXT NOT NULL DEFAULT ''",
        f"ALTER TABLE {names.SYMBOLS} ADD COLUMN subsession_id TEXT NOT NULL DEFAULT ''",
        f"ALTER TABLE {names.SYMBOLS} ADD COLUMN subsessions TEXT NOT NULL DEFAULT '[]'",
    ),
    # A counter per series, raised with every write of its bars, so a process caching
    # queries sees writes made by another process (a CLI sync beside the local stack).
    3: (
        f"""
        CREATE TABLE {names.SERIES_VERSIONS} (
            exchange TEXT NOT NULL,
            symbol   TEXT NOT NULL,
            interval TEXT NOT NULL,
            {names.VERSION}  INTEGER NOT NULL,
            PRIMARY KEY (exchange, symbol, interval)
        ) WITHOUT ROWID
        """,
    ),
}


def migrate(conn: sqlite3.Connection, path: object) -> None:
    """Bring the database up to ``SCHEMA_VERSION`` in one transaction.

    ``BEGIN IMMEDIATE`` takes the write lock before reading the version, so two processes
    opening a new file at once do not both create the tables.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"the SQLite bar store at {path} has schema version {version}, written by a "
                f"newer PocketQuant; this one knows versions up to {SCHEMA_VERSION}"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[target]:
                conn.execute(statement)
        if version != SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    conn.execute("COMMIT")
