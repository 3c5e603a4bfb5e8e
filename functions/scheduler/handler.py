"""The scheduler Lambda: EventBridge Scheduler invokes it with ``{"schedule": "<name>"}``.

It looks the schedule up in ``config.schedules.SCHEDULES``, finds the series it covers
(:mod:`functions.scheduler.fan_out`) and enqueues one sync job per series, which the
sync-worker function runs. Locally the in-process scheduler calls this same handler.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.queue.sqs import SqsSyncQueue
from application.bootstrap import build_store
from config.schedules import schedule_by_name
from config.settings import get_settings
from domain.ports import BarStore
from functions.scheduler.fan_out import BatchSyncQueue, series_to_sync, sync_jobs

logger = logging.getLogger("pocketquant.scheduler")


class UnknownSchedule(ValueError):
    """The invocation names no schedule of ``config.schedules``: a deployment mistake."""


@lru_cache(maxsize=1)
def _store() -> BarStore:
    return build_store(get_settings())


@lru_cache(maxsize=1)
def _queue() -> BatchSyncQueue:
    return SqsSyncQueue.from_settings(get_settings())


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    name = event.get("schedule")
    try:
        schedule = schedule_by_name(str(name))
    except KeyError:
        raise UnknownSchedule(f"no schedule named {name!r} in config.schedules") from None
    keys = series_to_sync(schedule, _store().list_statuses(), event)
    _queue().enqueue_many(sync_jobs(keys))
    logger.info("schedule %s: %d sync jobs enqueued", schedule.name, len(keys))
    return {"schedule": schedule.name, "enqueued": len(keys)}
