"""One sync job, run: the part of the sync-worker that knows nothing of SQS.

A job that cannot succeed by trying again (an unknown symbol, a bad request, a refused
entitlement, a message that is not a job) is *consumed*: its failure is already in the
series' sync status (or the log, for a message that names no series) and retrying would
only repeat it. Anything else (feed or store unreachable, a bug) is raised, so SQS delivers
the job again and, after the queue's receive limit, moves it to the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import Enum

from application.background import MalformedJob, SyncJob
from application.sync import sync_series
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

    def run(self, body: str) -> JobReport:
        """Run the job in a message ``body``; raises when it should be tried again."""
        try:
            job = SyncJob.from_body(body)
        except MalformedJob as error:
            logger.error("not a sync job, dropped: %s", error.message)
            return JobReport(JobOutcome.REJECTED)
        try:
            result = asyncio.run(
                sync_series(
                    job.sync_request(), feed=self.feed, store=self.store, events=self.events
                )
            )
        except PERMANENT_ERRORS as error:
            logger.warning("sync job %s for %s failed for good: %s", job.job_id, job.key, error)
            return JobReport(JobOutcome.REJECTED, job.job_id)
        except DomainError as error:
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
