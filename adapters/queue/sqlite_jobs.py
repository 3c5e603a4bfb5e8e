"""The local queue's jobs, kept in a SQLite file beside the bar store (WAL, synced commits).

A job is written here before the API answers 202, so nothing accepted is lost to a crash,
kill -9 or SIGTERM. It is received as SQS receives a message: hidden for a visibility
timeout, its receive count raised; a job whose receive count reached the limit and is seen
again is dead-lettered instead of delivered. Worked jobs stay as ``done`` for a day and dead
letters for the dead-letter queue's retention, so the sync status can show each series'
latest job.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from adapters.sqlite_connection import SharedConnection
from application.background import JobState, JobView, SyncJob
from domain.bars import SeriesKey
from domain.errors import DomainError

JOBS_FILE = "sync_jobs.sqlite3"
TABLE = "sync_jobs"
DONE_RETENTION_S = 24 * 3600.0
DEAD_LETTER_RETENTION_S = 14 * 24 * 3600.0
"""As long as the AWS dead-letter queue keeps a message."""

_SCHEMA = (
    f"""
    CREATE TABLE IF NOT EXISTS {TABLE} (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id    TEXT NOT NULL UNIQUE,
        job_id        TEXT NOT NULL,
        body          TEXT NOT NULL,
        series        TEXT NOT NULL,
        state         TEXT NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        sent_at       REAL NOT NULL,
        visible_at    REAL NOT NULL,
        updated_at    REAL NOT NULL,
        owner_pid     INTEGER
    )
    """,
    f"CREATE INDEX IF NOT EXISTS {TABLE}_waiting ON {TABLE} (state, visible_at, seq)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_series ON {TABLE} (series, seq)",
)
_WAITING = (JobState.QUEUED.value, JobState.RUNNING.value)


@dataclass(frozen=True, slots=True)
class Received:
    """A job handed to the worker: its message id, body and how often it was received."""

    message_id: str
    body: str
    receive_count: int
    sent_at: float


def _prepare(conn: sqlite3.Connection) -> None:
    # FULL: a job the API acknowledged survives a power cut too, not only a killed process.
    conn.execute("PRAGMA synchronous = FULL")
    for statement in _SCHEMA:
        conn.execute(statement)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SqliteJobTable:
    """The jobs of ``<data dir>/sync_jobs.sqlite3``; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SharedConnection(
            path, _prepare, subject=f"the sync job queue at {path}", closed="is closed"
        )

    def add(self, message_id: str, job: SyncJob, now: float, *, delay_s: float = 0.0) -> None:
        """Store ``job``, visible to workers ``delay_s`` after ``now`` (SQS's DelaySeconds)."""
        with self._db.transaction("queue a sync job") as conn:
            conn.execute(
                f"INSERT INTO {TABLE} (message_id, job_id, body, series, state, sent_at, "
                "visible_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    job.job_id,
                    job.to_body(),
                    _series(job),
                    JobState.QUEUED.value,
                    now,
                    now + max(0.0, delay_s),
                    now,
                ),
            )

    def recover(self, now: float) -> int:
        """Make the jobs left running by a process that is gone visible at once (their
        receive counts stand, as SQS's do); returns how many. Drops old finished jobs."""
        with self._db.transaction("recover sync jobs") as conn:
            rows = conn.execute(
                f"SELECT seq, owner_pid FROM {TABLE} WHERE state = ?", (JobState.RUNNING.value,)
            ).fetchall()
            orphans = [
                (now, seq)
                for seq, pid in rows
                if pid is None or pid == os.getpid() or not _pid_alive(pid)
            ]
            conn.executemany(f"UPDATE {TABLE} SET visible_at = ? WHERE seq = ?", orphans)
            conn.execute(
                f"DELETE FROM {TABLE} WHERE (state = ? AND updated_at < ?) "
                "OR (state = ? AND updated_at < ?)",
                (
                    JobState.DONE.value,
                    now - DONE_RETENTION_S,
                    JobState.DEAD_LETTERED.value,
                    now - DEAD_LETTER_RETENTION_S,
                ),
            )
        return len(orphans)

    def receive(
        self, now: float, *, visibility_s: float, max_receive_count: int
    ) -> tuple[Received | None, list[Received]]:
        """The next visible job, now running and hidden for ``visibility_s``; and the jobs
        found already received ``max_receive_count`` times, now dead-lettered."""
        dead: list[Received] = []
        with self._db.transaction("receive a sync job") as conn:
            while True:
                row = conn.execute(
                    f"SELECT message_id, body, receive_count, sent_at FROM {TABLE} "
                    f"WHERE state IN (?, ?) AND visible_at <= ? ORDER BY seq LIMIT 1",
                    (*_WAITING, now),
                ).fetchone()
                if row is None:
                    return None, dead
                found = Received(row[0], row[1], int(row[2]), float(row[3]))
                if found.receive_count >= max_receive_count:
                    self._set_state(conn, found.message_id, JobState.DEAD_LETTERED, now)
                    dead.append(found)
                    continue
                conn.execute(
                    f"UPDATE {TABLE} SET state = ?, receive_count = receive_count + 1, "
                    "visible_at = ?, updated_at = ?, owner_pid = ? WHERE message_id = ?",
                    (
                        JobState.RUNNING.value,
                        now + visibility_s,
                        now,
                        os.getpid(),
                        found.message_id,
                    ),
                )
                return Received(
                    found.message_id, found.body, found.receive_count + 1, found.sent_at
                ), dead

    def finish(self, message_id: str, now: float) -> None:
        """The handler took the job (SQS: the message is deleted)."""
        with self._db.transaction("finish a sync job") as conn:
            self._set_state(conn, message_id, JobState.DONE, now)

    def retry_later(self, message_id: str, visible_at: float, now: float) -> None:
        with self._db.transaction("put a sync job back") as conn:
            conn.execute(
                f"UPDATE {TABLE} SET state = ?, visible_at = ?, updated_at = ? "
                "WHERE message_id = ?",
                (JobState.QUEUED.value, visible_at, now, message_id),
            )

    def dead_letter(self, message_id: str, now: float) -> None:
        with self._db.transaction("dead-letter a sync job") as conn:
            self._set_state(conn, message_id, JobState.DEAD_LETTERED, now)

    def next_visible_at(self) -> float | None:
        """When the earliest waiting job becomes visible; ``None`` when none waits."""
        with self._db.connection("read the sync job queue") as conn:
            (at,) = conn.execute(
                f"SELECT min(visible_at) FROM {TABLE} WHERE state IN (?, ?)", _WAITING
            ).fetchone()
        return None if at is None else float(at)

    def count(self, *states: JobState) -> int:
        marks = ", ".join("?" for _ in states)
        with self._db.connection("count sync jobs") as conn:
            (found,) = conn.execute(
                f"SELECT count(*) FROM {TABLE} WHERE state IN ({marks})",
                [state.value for state in states],
            ).fetchone()
        return int(found)

    def dead_letter_bodies(self) -> list[str]:
        with self._db.connection("read the dead letters") as conn:
            rows = conn.execute(
                f"SELECT body FROM {TABLE} WHERE state = ? ORDER BY seq",
                (JobState.DEAD_LETTERED.value,),
            ).fetchall()
        return [str(body) for (body,) in rows]

    def latest_jobs(self) -> dict[SeriesKey, JobView]:
        """The newest job of each series."""
        with self._db.connection("read the sync jobs") as conn:
            rows = conn.execute(
                f"SELECT body, state, receive_count, sent_at, updated_at FROM {TABLE} "
                f"WHERE seq IN (SELECT max(seq) FROM {TABLE} GROUP BY series)"
            ).fetchall()
        views: dict[SeriesKey, JobView] = {}
        for body, state, receive_count, sent_at, updated_at in rows:
            try:
                job = SyncJob.from_body(body)
            except DomainError:
                continue  # cannot be: only jobs are written here
            views[job.key] = JobView(
                job_id=job.job_id,
                key=job.key,
                state=JobState(state),
                attempts=int(receive_count),
                queued_at=float(sent_at),
                updated_at=float(updated_at),
            )
        return views

    def close(self) -> None:
        self._db.close()

    @staticmethod
    def _set_state(conn: sqlite3.Connection, message_id: str, state: JobState, now: float) -> None:
        conn.execute(
            f"UPDATE {TABLE} SET state = ?, updated_at = ? WHERE message_id = ?",
            (state.value, now, message_id),
        )


def _series(job: SyncJob) -> str:
    return f"{job.exchange}:{job.symbol}@{job.interval}"
