"""The ``SyncQueue`` locally: jobs kept in SQLite, worked by a thread through the handler.

``enqueue`` returns once the job is committed to the job table (``sqlite_jobs``), so a 202
means the job survives a crash. A worker thread receives the jobs one at a time, in order,
and hands each to the very handler SQS invokes on AWS, as a one-record SQS event. A job the
handler reports as failed is delivered again after ``retry_delay_s``, up to
``max_receive_count`` times (SQS's redrive policy), then dead-lettered: kept in the table
and handed to ``on_dead_letter``, which records it in the series' sync status.

``stop`` lets the job being worked finish and leaves the others queued in the table; the
next start works them, and a job that was running when its process died is delivered again
at once (its receive count raised, as SQS counts it).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.queue.sqlite_jobs import Received, SqliteJobTable
from adapters.queue.sqs_event import failed_message_ids, sqs_event, sqs_record
from application.background import JobState, JobView, QueueUnavailable, SyncJob
from config import timeouts
from domain.bars import SeriesKey
from domain.errors import DomainError

logger = logging.getLogger("pocketquant.queue")

SqsHandler = Callable[[dict[str, Any], LambdaContext], Mapping[str, Any] | None]
ContextFactory = Callable[[], LambdaContext]
DeadLetterListener = Callable[[SyncJob, int], None]
"""Called with a dead-lettered job and how often it was delivered."""
_IDLE_WAIT_S = 60.0
"""The longest the worker sleeps without a notice: jobs another process added are seen."""


class InProcessSyncQueue:
    def __init__(
        self,
        handler: SqsHandler,
        context_factory: ContextFactory,
        path: Path,
        *,
        max_receive_count: int = timeouts.SYNC_MAX_RECEIVES,
        retry_delay_s: float = timeouts.LOCAL_RETRY_DELAY_S,
        visibility_timeout_s: float = timeouts.SYNC_VISIBILITY_TIMEOUT_S,
        on_dead_letter: DeadLetterListener | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._handler = handler
        self._context_factory = context_factory
        self._max_receive_count = max_receive_count
        self._retry_delay_s = retry_delay_s
        self._visibility_timeout_s = visibility_timeout_s
        self._on_dead_letter = on_dead_letter
        self._clock = clock
        self._jobs = SqliteJobTable(path)
        recovered = self._jobs.recover(clock())
        if recovered:
            logger.warning("%d sync job(s) were running when the last process ended", recovered)
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._work, name="pocketquant-sync-worker", daemon=True
        )
        self._thread.start()

    @property
    def path(self) -> Path:
        return self._jobs.path

    @property
    def dead_letters(self) -> list[str]:
        """Bodies of the jobs that were dead-lettered (kept for the retention period)."""
        return self._jobs.dead_letter_bodies()

    def enqueue(self, job: SyncJob) -> None:
        self.defer(job, 0.0)

    def defer(self, job: SyncJob, delay_s: float) -> None:
        """Store ``job`` as a new message, delivered once ``delay_s`` seconds have passed;
        like every queued job it survives a stop or a crash."""
        if self._stopping.is_set():
            raise QueueUnavailable("the local sync worker is stopping")
        try:
            self._jobs.add(str(uuid.uuid4()), job, self._clock(), delay_s=delay_s)
        except DomainError as error:
            raise QueueUnavailable(error.message) from None
        with self._changed:
            self._changed.notify_all()

    def enqueue_many(self, jobs: Sequence[SyncJob]) -> None:
        for job in jobs:
            self.enqueue(job)

    def waiting(self) -> int:
        """Jobs queued or running (a restart finds those the last process left)."""
        return self._jobs.count(JobState.QUEUED, JobState.RUNNING)

    def latest_jobs(self) -> Mapping[SeriesKey, JobView]:
        return self._jobs.latest_jobs()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is queued or running; False when ``timeout`` ran out."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.waiting():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def stop(self) -> None:
        """Refuse new jobs and tell the worker to stop after the job it is running."""
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()

    def close(self, timeout: float = 30.0) -> None:
        """Finish the job being run and stop the worker; the rest stay queued on disk."""
        self.stop()
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning(
                "the local sync worker did not stop within %.0f s; its job runs again at "
                "the next start",
                timeout,
            )
            return
        waiting = self.waiting()
        if waiting:
            logger.info("%d sync job(s) stay queued for the next start in %s", waiting, self.path)
        self._jobs.close()

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                received = self._receive()
            except DomainError as error:
                logger.error("the sync job queue failed: %s", error.message)
                self._stopping.wait(self._retry_delay_s)
                continue
            if received is None:
                self._wait_for_work()
                continue
            self._deliver(received)
            with self._changed:
                self._changed.notify_all()

    def _receive(self) -> Received | None:
        received, dead = self._jobs.receive(
            self._clock(),
            visibility_s=self._visibility_timeout_s,
            max_receive_count=self._max_receive_count,
        )
        for job in dead:
            # Received as often as allowed before, and never finished: its process died.
            self._dead_lettered(job, job.receive_count)
        return received

    def _wait_for_work(self) -> None:
        # Read under the lock ``enqueue`` notifies with, so a job added now is not missed.
        with self._changed:
            if self._stopping.is_set():
                return
            next_at = self._jobs.next_visible_at()
            wait = _IDLE_WAIT_S if next_at is None else max(next_at - self._clock(), 0.0)
            self._changed.wait(min(wait, _IDLE_WAIT_S))

    def _deliver(self, job: Received) -> None:
        if self._invoke(job):
            self._jobs.finish(job.message_id, self._clock())
            return
        if job.receive_count >= self._max_receive_count:
            self._jobs.dead_letter(job.message_id, self._clock())
            self._dead_lettered(job, job.receive_count)
            return
        now = self._clock()
        self._jobs.retry_later(job.message_id, now + self._retry_delay_s, now)

    def _dead_lettered(self, job: Received, attempts: int) -> None:
        logger.error("sync job failed %d times, dead-lettered: %s", attempts, job.body)
        if self._on_dead_letter is None:
            return
        try:
            self._on_dead_letter(SyncJob.from_body(job.body), attempts)
        except DomainError as error:
            logger.error("could not record the dead-lettered job %s: %s", job.body, error.message)

    def _invoke(self, job: Received) -> bool:
        record = sqs_record(
            job.body,
            message_id=job.message_id,
            receive_count=job.receive_count,
            sent_at=job.sent_at,
        )
        try:
            response = self._handler(sqs_event(record), self._context_factory())
        except Exception:
            # On AWS a failed invocation returns the whole batch to the queue.
            logger.exception("the sync-worker handler failed")
            return False
        return job.message_id not in failed_message_ids(response)
