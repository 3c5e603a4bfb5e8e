"""Background syncs: a job description, its message body, the queue port it travels
through, what a queue can tell of its jobs, and the record of a job given up on.

The API enqueues a ``SyncJob`` and answers 202 once the queue holds it; a worker (the
``sync-worker`` Lambda on SQS, or the local stack's worker thread) runs ``sync_series`` for
it later. A job crosses a queue as a JSON body (``to_body`` / ``from_body``). Every job ends
in its series' sync status: the sync records success or failure, and a job tried as often
as the queue allows is recorded as dead-lettered (``record_dead_letter``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from application.sync import SyncRequest, record_failure
from domain.bars import SeriesKey
from domain.errors import DomainError, InvalidInput
from domain.intervals import Interval
from domain.ports import BarStore, EventPublisher
from domain.series import SyncState
from domain.symbols import Symbol


def new_job_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class SyncJob:
    """One queued sync. Plain strings and numbers, so it crosses a queue as JSON."""

    symbol: str
    exchange: str
    interval: str = "1d"
    n_bars: int = 5000
    full: bool = False
    job_id: str = field(default_factory=new_job_id)

    @property
    def key(self) -> SeriesKey:
        return SeriesKey(
            Symbol(exchange=self.exchange, ticker=self.symbol), Interval.parse(self.interval)
        )

    def sync_request(self) -> SyncRequest:
        return SyncRequest(key=self.key, n_bars=self.n_bars, full=self.full)

    def to_message(self) -> dict[str, Any]:
        """The JSON-ready message body (an SQS message, or a local queue item)."""
        return asdict(self)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> SyncJob:
        try:
            job = cls(
                symbol=str(message["symbol"]),
                exchange=str(message["exchange"]),
                interval=str(message.get("interval", "1d")),
                n_bars=int(message.get("n_bars", 5000)),
                full=bool(message.get("full", False)),
                job_id=str(message.get("job_id") or new_job_id()),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput("job", f"not a sync job message: {error}") from None
        job.sync_request()  # every rule of a sync request holds, or InvalidInput
        return job

    def to_body(self) -> str:
        """The job as a queue message body (compact JSON)."""
        return json.dumps(self.to_message(), separators=(",", ":"))

    @classmethod
    def from_body(cls, body: str) -> SyncJob:
        """The job in a message ``body``; ``MalformedJob`` says what is wrong with it."""
        try:
            message: Any = json.loads(body)
        except json.JSONDecodeError as error:
            raise MalformedJob(f"the message body is not JSON: {error}") from None
        if not isinstance(message, dict):
            raise MalformedJob("the message body is not a JSON object")
        try:
            return cls.from_message(message)
        except InvalidInput as error:
            raise MalformedJob(error.message) from None


class MalformedJob(DomainError):
    """A queue message is not a sync job."""

    code = "malformed_job"


class QueueUnavailable(DomainError):
    """No queue is configured here, or it refused the job."""

    code = "queue_unavailable"


class SyncQueue(Protocol):
    """Where background syncs wait for a worker.

    ``enqueue`` returns once the job is safe, or raises ``QueueUnavailable``.
    """

    def enqueue(self, job: SyncJob) -> None: ...


@runtime_checkable
class BatchSyncQueue(Protocol):
    """A queue that takes many jobs per call (SQS: ten per request)."""

    def enqueue_many(self, jobs: Sequence[SyncJob]) -> None: ...


@runtime_checkable
class DeferringSyncQueue(Protocol):
    """A queue that can hold a job back: it is delivered ``delay_s`` seconds from now
    (how a worker puts back a job the TradingView guardrails held back, and how the
    scheduler spreads its jobs over the request budget)."""

    def defer(self, job: SyncJob, delay_s: float) -> None: ...


def enqueue_all(queue: SyncQueue, jobs: Sequence[SyncJob]) -> None:
    """Every job, in as few calls as the queue allows."""
    if isinstance(queue, BatchSyncQueue):
        queue.enqueue_many(jobs)
        return
    for job in jobs:
        queue.enqueue(job)


class JobDeadLettered(DomainError):
    """A job failed as many times as its queue delivers one; it waits in the dead letters."""

    code = "dead_lettered"


DEAD_LETTER_JOB = "dead_letter_job"
"""The key, in a sync status' ``extra``, of the job whose dead-lettering it records."""


def record_dead_letter(
    job: SyncJob, attempts: int, *, store: BarStore, events: EventPublisher, at: float
) -> None:
    """Record in the series' sync status that ``job`` was given up on after ``attempts``.

    The last error the sync recorded is kept in the message. Recording the same job twice
    (its worker and its queue may both see the end) changes nothing the second time.
    """
    previous = store.get_status(job.key)
    if previous is not None and previous.extra.get(DEAD_LETTER_JOB) == job.job_id:
        return
    last = (
        f"; last error: {previous.error_message}"
        if previous is not None and previous.status is SyncState.FAILED and previous.error_message
        else ""
    )
    error = JobDeadLettered(
        f"background sync job {job.job_id} failed {attempts} times and was dead-lettered{last}"
    )
    record_failure(
        job.key, error, store=store, events=events, at=at, extra={DEAD_LETTER_JOB: job.job_id}
    )


class JobState(Enum):
    QUEUED = "queued"
    """Waiting for the worker (a failed one waits for its retry)."""
    RUNNING = "running"
    DONE = "done"
    """Worked: its series' sync status says how the sync went."""
    DEAD_LETTERED = "dead_lettered"
    """Failed every delivery; kept aside, recorded in the sync status."""


@dataclass(frozen=True, slots=True)
class JobView:
    """What a queue knows of one job."""

    job_id: str
    key: SeriesKey
    state: JobState
    attempts: int
    queued_at: float
    updated_at: float


@runtime_checkable
class JobBoard(Protocol):
    """The latest job of each series a queue holds (the local queue; SQS cannot be listed)."""

    def latest_jobs(self) -> Mapping[SeriesKey, JobView]: ...


class NoJobBoard:
    """What a queue that cannot be listed (SQS) shows: nothing."""

    def latest_jobs(self) -> Mapping[SeriesKey, JobView]:
        return {}
