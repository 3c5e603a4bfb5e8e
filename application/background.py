"""Background syncs: a job description and the queue port it travels through.

The API enqueues a ``SyncJob`` and answers 202 at once; a worker (the ``sync-worker``
Lambda on SQS, or an in-process worker locally) runs ``sync_series`` for it later.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

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


class QueueUnavailable(DomainError):
    """No queue is configured here, or it refused the job."""

    code = "queue_unavailable"


class SyncQueue(Protocol):
    """Where background syncs wait for a worker.

    ``enqueue`` returns once the job is safe, or raises ``QueueUnavailable``.
    """

    def enqueue(self, job: SyncJob) -> None: ...
