"""The scheduler Lambda: EventBridge Scheduler invokes it with ``{"schedule": "<name>"}``.

It looks the schedule up in ``config.schedules.SCHEDULES``, finds the series it covers
(:mod:`application.scheduled_syncs`) and enqueues one sync job per series, which the
sync-worker function runs. Locally the in-process scheduler calls this same handler.
"""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from application.background import enqueue_all
from application.scheduled_syncs import series_to_sync, sync_jobs
from config.metric_names import SYNC_JOBS_SCHEDULED
from config.schedules import schedule_by_name
from functions.common.observability import count, instrument
from wiring.services import get_services

logger = logging.getLogger("pocketquant.scheduler")


class UnknownSchedule(ValueError):
    """The invocation names no schedule of ``config.schedules``: a deployment mistake."""


@instrument
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    name = event.get("schedule")
    try:
        schedule = schedule_by_name(str(name))
    except KeyError:
        raise UnknownSchedule(f"no schedule named {name!r} in config.schedules") from None
    services = get_services()
    keys = series_to_sync(schedule, services.store.list_statuses(), event)
    enqueue_all(services.sync_queue, sync_jobs(keys))
    count(SYNC_JOBS_SCHEDULED, len(keys))
    logger.info("schedule %s: %d sync jobs enqueued", schedule.name, len(keys))
    return {"schedule": schedule.name, "enqueued": len(keys)}
