"""One sync job, run: the part of the sync-worker that knows nothing of SQS.

A job that cannot succeed by trying again (an unknown symbol, a bad request, a refused
entitlement, a message that is not a job) is *consumed*: its failure is already in the
series' sync status (or the log, for a message that names no series) and retrying would
only repeat it. A job the TradingView guardrails held back (the circuit breaker open, the
request budget spent) never started: it is put back on the queue for when they allow it
(``defer``), without using up a delivery. Anything else (feed or store unreachable, a deadline
run out, a bug) is raised, so SQS delivers the job again and, after the queue's receive limit,
moves it to the dead-letter queue; on that last delivery the job is recorded as dead-lettered
in the series' sync status first.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from application.background import MalformedJob, SyncJob, record_dead_letter
from application.sync import NOT_ATTEMPTED, sync_series
from config import timeouts
from domain.errors import (
    AuthenticationRejected,
    DomainError,
    InvalidBar,
    InvalidInput,
    NotEntitled,
    SeriesNotTracked,
    SymbolNotFound,
)
from domain.ports import BarStore, EventPublisher, MarketDataFeed

logger = logging.getLogger("pocketquant.sync_worker")

PERMANENT_ERRORS: tuple[type[DomainError], ...] = (
    MalformedJob,
    InvalidInput,
    SymbolNotFound,
    NotEntitled,
    AuthenticationRejected,
    InvalidBar,
    SeriesNotTracked,
)
"""Failures that the same job would meet again: consumed, never retried."""


class JobOutcome(Enum):
    SYNCED = "synced"
    REJECTED = "rejected"
    """Failed for good (a permanent error); consumed."""
    DEFERRED = "deferred"
    """Held back by the guardrails; put back on the queue for later."""


@dataclass(frozen=True, slots=True)
class JobReport:
    outcome: JobOutcome
    job_id: str | None = None
    bars_synced: int = 0


@dataclass(frozen=True, slots=True)
class SyncWorker:
    store: BarStore
    feed: MarketDataFeed
    events: EventPublisher
    deadline_s: float = timeouts.BACKGROUND_SYNC_DEADLINE_S
    max_receives: int = timeouts.SYNC_MAX_RECEIVES
    defer: Callable[[SyncJob, float], None] | None = None
    """Puts a job back on the queue for ``delay`` seconds; without it a held-back job is
    raised (redelivered by the queue)."""

    def run(self, body: str, receive_count: int = 1) -> JobReport:
        """Run the job in a message ``body`` delivered for the ``receive_count``-th time;
        raises when it should be tried again."""
        try:
            job = SyncJob.from_body(body)
        except MalformedJob as error:
            logger.error("not a sync job, dropped: %s", error.message)
            return JobReport(JobOutcome.REJECTED)
        try:
            result = asyncio.run(
                sync_series(
                    job.sync_request(),
                    feed=self.feed,
                    store=self.store,
                    events=self.events,
                    deadline_s=self.deadline_s,
                )
            )
        except NOT_ATTEMPTED as error:
            wait = error.retry_after or 0.0
            if self.defer is None:
                logger.info("sync job %s for %s held back, retried: %s", job.job_id, job.key, error)
                raise
            self.defer(job, wait)
            logger.info(
                "sync job %s for %s put back for %ds: %s",
                job.job_id,
                job.key,
                math.ceil(wait),
                error.message,
            )
            return JobReport(JobOutcome.DEFERRED, job.job_id)
        except PERMANENT_ERRORS as error:
            logger.warning("sync job %s for %s failed for good: %s", job.job_id, job.key, error)
            return JobReport(JobOutcome.REJECTED, job.job_id)
        except DomainError as error:
            if receive_count >= self.max_receives:
                logger.error(
                    "sync job %s for %s failed its last try: %s", job.job_id, job.key, error
                )
                record_dead_letter(
                    job, receive_count, store=self.store, events=self.events, at=time.time()
                )
            else:
                logger.warning("sync job %s for %s will be retried: %s", job.job_id, job.key, error)
            raise
        logger.info(
            "sync job %s for %s: %d bars synced, %d stored",
            job.job_id,
            job.key,
            result.bars_synced,
            result.total_bars,
        )
        return JobReport(JobOutcome.SYNCED, job.job_id, result.bars_synced)
