"""The scheduler Lambda: EventBridge Scheduler invokes it with ``{"schedule": "<name>"}``.

It looks the schedule up in ``config.schedules.SCHEDULES``, finds the series it covers
(:mod:`application.scheduled_syncs`) and enqueues one sync job per series, which the
sync-worker function runs. Locally the in-process scheduler calls this same handler.

The TradingView guardrails come first: while the circuit breaker is open the schedule
enqueues nothing and says so (the next schedule after the cool-off syncs everything
incrementally, so nothing is lost); and the jobs beyond what the request budget allows at
once are spread over the following minutes at the budget's rate, when the queue can hold
jobs back.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from application.background import DeferringSyncQueue, SyncJob, SyncQueue, enqueue_all
from application.guardrails import TradingViewGuard
from application.scheduled_syncs import paced_delays, series_to_sync, sync_jobs
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
    guard = services.tradingview_guard
    paused = guard.breaker.would_admit()
    if paused > 0:
        view = guard.breaker.view()
        logger.warning(
            "schedule %s: enqueued nothing, TradingView requests are paused by the circuit "
            "breaker (%s); next probe in %ds",
            schedule.name,
            view.reason,
            math.ceil(paused),
        )
        count(SYNC_JOBS_SCHEDULED, 0)
        return {"schedule": schedule.name, "enqueued": 0, "paused_for_s": math.ceil(paused)}
    keys = series_to_sync(schedule, services.store.list_statuses(), event)
    spread = _enqueue_paced(services.sync_queue, sync_jobs(keys), guard)
    count(SYNC_JOBS_SCHEDULED, len(keys))
    logger.info(
        "schedule %s: %d sync jobs enqueued (%d held back to pace the request budget)",
        schedule.name,
        len(keys),
        spread,
    )
    return {"schedule": schedule.name, "enqueued": len(keys)}


def _enqueue_paced(queue: SyncQueue, jobs: list[SyncJob], guard: TradingViewGuard) -> int:
    """Enqueue ``jobs``: what the budget allows now at once, the rest spread at its rate
    (when the queue can hold jobs back). Returns how many were held back."""
    if not isinstance(queue, DeferringSyncQueue):
        enqueue_all(queue, jobs)
        return 0
    budget = guard.budget
    delays = paced_delays(len(jobs), budget.available(), budget.policy.per_minute)
    now = [job for job, delay in zip(jobs, delays, strict=True) if delay <= 0]
    enqueue_all(queue, now)
    for job, delay in zip(jobs, delays, strict=True):
        if delay > 0:
            queue.defer(job, delay)
    return len(jobs) - len(now)
