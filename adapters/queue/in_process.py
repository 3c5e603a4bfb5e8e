"""The ``SyncQueue`` locally: a worker thread hands each job to the sync-worker handler.

Jobs run one at a time, in order, through the very handler SQS invokes on AWS, delivered
as a one-record SQS event. A job the handler reports as failed is delivered again after
``retry_delay_s``, up to ``max_receive_count`` times (SQS's redrive policy), then set aside
in ``dead_letters`` with an error log, as the dead-letter queue would keep it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.queue.sqs_event import failed_message_ids, sqs_event, sqs_record
from application.background import QueueUnavailable, SyncJob

logger = logging.getLogger("pocketquant.queue")

SqsHandler = Callable[[dict[str, Any], LambdaContext], Mapping[str, Any] | None]
ContextFactory = Callable[[], LambdaContext]


@dataclass(frozen=True, slots=True)
class _Message:
    message_id: str
    body: str
    sent_at: float


_STOP = object()


class InProcessSyncQueue:
    def __init__(
        self,
        handler: SqsHandler,
        context_factory: ContextFactory,
        *,
        max_receive_count: int = 3,
        retry_delay_s: float = 5.0,
    ) -> None:
        self._handler = handler
        self._context_factory = context_factory
        self._max_receive_count = max_receive_count
        self._retry_delay_s = retry_delay_s
        self._messages: queue.Queue[_Message | object] = queue.Queue()
        self._stopping = threading.Event()
        self.dead_letters: list[str] = []
        """Bodies of the jobs that failed ``max_receive_count`` times."""
        self._thread = threading.Thread(
            target=self._work, name="pocketquant-sync-worker", daemon=True
        )
        self._thread.start()

    def enqueue(self, job: SyncJob) -> None:
        if self._stopping.is_set():
            raise QueueUnavailable("the local sync worker is stopping")
        self._messages.put(_Message(str(uuid.uuid4()), job.to_body(), time.time()))

    def enqueue_many(self, jobs: Sequence[SyncJob]) -> None:
        for job in jobs:
            self.enqueue(job)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every job enqueued so far is done; False when ``timeout`` ran out."""
        deadline = time.monotonic() + timeout
        with self._messages.all_tasks_done:
            while self._messages.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._messages.all_tasks_done.wait(left)
        return True

    def stop(self) -> None:
        """Refuse new jobs and tell the worker to stop after the job it is running."""
        if not self._stopping.is_set():
            self._stopping.set()
            self._messages.put(_STOP)

    def close(self, timeout: float = 30.0) -> None:
        """Finish the job being run, drop the rest (logged) and stop the worker."""
        self.stop()
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("the local sync worker did not stop within %.0f s", timeout)

    def _work(self) -> None:
        while True:
            message = self._messages.get()
            try:
                if message is _STOP or not isinstance(message, _Message):
                    break
                if self._stopping.is_set():
                    logger.warning("dropping sync job %s: the worker is stopping", message.body)
                    continue
                self._deliver(message)
            finally:
                self._messages.task_done()
        self._drop_pending()

    def _drop_pending(self) -> None:
        while True:
            try:
                message = self._messages.get_nowait()
            except queue.Empty:
                return
            if isinstance(message, _Message):
                logger.warning("dropping sync job %s: the worker stopped", message.body)
            self._messages.task_done()

    def _deliver(self, message: _Message) -> None:
        for receive_count in range(1, self._max_receive_count + 1):
            if self._invoke(message, receive_count):
                return
            if receive_count < self._max_receive_count and self._stopping.wait(self._retry_delay_s):
                return
        self.dead_letters.append(message.body)
        logger.error(
            "sync job failed %d times, dead-lettered: %s", self._max_receive_count, message.body
        )

    def _invoke(self, message: _Message, receive_count: int) -> bool:
        record = sqs_record(
            message.body,
            message_id=message.message_id,
            receive_count=receive_count,
            sent_at=message.sent_at,
        )
        try:
            response = self._handler(sqs_event(record), self._context_factory())
        except Exception:
            # On AWS a failed invocation returns the whole batch to the queue.
            logger.exception("the sync-worker handler failed")
            return False
        return message.message_id not in failed_message_ids(response)
