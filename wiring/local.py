"""The local stack's own parts: the sync queue kept in the data directory, worked by the
sync-worker handler as SQS would invoke it, and recording its dead letters."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.queue.in_process import InProcessSyncQueue as LocalSyncQueue
from adapters.queue.sqlite_jobs import JOBS_FILE
from application.background import SyncJob, record_dead_letter

if TYPE_CHECKING:
    from wiring.services import Services

__all__ = ["LocalSyncQueue", "local_sync_queue"]


def local_sync_queue(
    services: Services,
    handler: Callable[[dict[str, Any], LambdaContext], Mapping[str, Any] | None],
    context: Callable[[], LambdaContext],
    *,
    retry_delay_s: float,
) -> LocalSyncQueue:
    """The queue in ``<data dir>/sync_jobs.sqlite3``: a worker thread hands each job to
    ``handler`` as a one-record SQS event; a failed job is delivered again after
    ``retry_delay_s``, up to SQS's receive limit, then recorded as dead-lettered in the
    series' sync status."""

    def on_dead_letter(job: SyncJob, attempts: int) -> None:
        record_dead_letter(
            job, attempts, store=services.store, events=services.events, at=time.time()
        )

    return LocalSyncQueue(
        handler,
        context,
        services.settings.data_dir / JOBS_FILE,
        retry_delay_s=retry_delay_s,
        on_dead_letter=on_dead_letter,
    )
