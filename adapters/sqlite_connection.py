"""One connection to a SQLite file, shared by every thread: the embedded stores' plumbing.

A lock serialises every write (the local gateway calls from a thread per request); reads go
through a connection of the reading thread's own, which WAL mode lets read beside a writer,
so a read never waits for another thread's read. Transactions are explicit (``BEGIN`` …
``COMMIT``) and a busy timeout lets another process share the file. SQLite's errors become
``StoreUnavailable`` naming the store and what it could not do.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from domain.errors import StoreUnavailable

BUSY_TIMEOUT_SECONDS = 5.0


class SharedConnection:
    """``path`` opened in WAL mode (its directory created) and ``prepare``\\ d: schema,
    migrations. ``subject`` names the store in errors ("the SQLite bar store at …") and
    ``closed`` ends the error once it is closed ("is closed")."""

    def __init__(
        self,
        path: Path,
        prepare: Callable[[sqlite3.Connection], None],
        *,
        subject: str,
        closed: str,
    ) -> None:
        self._subject = subject
        self._closed = closed
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                path,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,  # transactions are explicit: BEGIN … COMMIT
                check_same_thread=False,  # the lock serialises every use
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open {subject}: {exc}") from exc
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            prepare(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreUnavailable(f"cannot open {subject}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        self._conn: sqlite3.Connection | None = conn
        self._path = path
        self._readers = threading.local()
        self._open_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()  # not the writers' lock: a read never waits

    @contextmanager
    def connection(self, action: str) -> Iterator[sqlite3.Connection]:
        """The connection, held alone; a SQLite error rolls back what is open and is raised
        as ``StoreUnavailable`` ("… could not ``action``")."""
        with self._lock:
            if self._conn is None:
                raise StoreUnavailable(f"{self._subject} {self._closed}")
            try:
                yield self._conn
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.rollback()
                raise self._failed(action, exc) from exc

    @contextmanager
    def reading(self, action: str) -> Iterator[sqlite3.Connection]:
        """A connection of this thread's own for reads only, without the lock; SQLite's
        errors as in :meth:`connection`."""
        try:
            yield self._reader()
        except sqlite3.Error as exc:
            raise self._failed(action, exc) from exc

    def _failed(self, action: str, exc: sqlite3.Error) -> StoreUnavailable:
        return StoreUnavailable(f"{self._subject} could not {action}: {exc}")

    def _reader(self) -> sqlite3.Connection:
        reader: sqlite3.Connection | None = getattr(self._readers, "conn", None)
        if reader is not None and self._conn is not None:
            return reader
        with self._readers_lock:
            if self._conn is None:
                raise StoreUnavailable(f"{self._subject} {self._closed}")
            try:
                reader = sqlite3.connect(
                    self._path,
                    timeout=BUSY_TIMEOUT_SECONDS,
                    isolation_level=None,
                    check_same_thread=False,  # closed by close(), from another thread
                )
                reader.execute("PRAGMA query_only = ON")
            except sqlite3.Error as exc:
                raise self._failed("open a read connection", exc) from exc
            self._open_readers.append(reader)
        self._readers.conn = reader
        return reader

    @contextmanager
    def transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """``connection`` inside ``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on any error."""
        with self.connection(action) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise

    def close(self) -> None:
        with self._lock, self._readers_lock:
            conn, self._conn = self._conn, None
            readers, self._open_readers = self._open_readers, []
        for reader in readers:
            reader.close()
        if conn is not None:
            conn.close()
