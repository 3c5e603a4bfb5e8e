"""Background syncs: a job description, its message body, and the queue port it travels
through.

The API enqueues a ``SyncJob`` and answers 202 at once; a worker (the ``sync-worker``
Lambda on SQS, or an in-process worker locally) runs ``sync_series`` for it later. A job
crosses a queue as a JSON body (``to_body`` / ``from_body``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from application.sync import SyncRequest
from domain.bars import SeriesKey
from domain.errors import DomainError, InvalidInput
from domain.intervals import Interval
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


def enqueue_all(queue: SyncQueue, jobs: Sequence[SyncJob]) -> None:
    """Every job, in as few calls as the queue allows."""
    if isinstance(queue, BatchSyncQueue):
        queue.enqueue_many(jobs)
        return
    for job in jobs:
        queue.enqueue(job)
