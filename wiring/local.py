"""The local stack's own parts: the in-process sync queue, worked by the sync-worker
handler as SQS would invoke it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.queue.in_process import InProcessSyncQueue as LocalSyncQueue

__all__ = ["LocalSyncQueue", "local_sync_queue"]


def local_sync_queue(
    handler: Callable[[dict[str, Any], LambdaContext], Mapping[str, Any] | None],
    context: Callable[[], LambdaContext],
    *,
    retry_delay_s: float,
) -> LocalSyncQueue:
    """A worker thread handing each job to ``handler`` as a one-record SQS event; a job the
    handler reports failed is delivered again after ``retry_delay_s`` (up to 3 times)."""
    return LocalSyncQueue(handler, context, retry_delay_s=retry_delay_s)
