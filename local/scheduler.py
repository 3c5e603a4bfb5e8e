"""The in-process scheduler: fires the schedules of ``config.schedules`` on time, locally.

The same definitions the CDK stack gives EventBridge Scheduler, evaluated by the same
``next_fire_time`` (time zones and daylight saving included). Each firing calls ``fire``
with the schedule; the local stack passes the scheduler function's handler.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from config.schedules import ScheduleDefinition, next_fire_time

logger = logging.getLogger("pocketquant.scheduler")

MAX_WAIT_S = 60.0
"""Longest single wait, so a changed wall clock (a laptop waking up) is noticed soon."""

Clock = Callable[[], datetime]
Sleeper = Callable[[float], bool]
"""Waits up to the given seconds; True when the scheduler is stopping."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LocalScheduler:
    def __init__(
        self,
        schedules: Sequence[ScheduleDefinition],
        fire: Callable[[ScheduleDefinition], object],
        *,
        clock: Clock = _utc_now,
        sleeper: Sleeper | None = None,
    ) -> None:
        self._schedules = tuple(schedules)
        self._fire = fire
        self._clock = clock
        self._stopping = threading.Event()
        self._sleep: Sleeper = sleeper or self._stopping.wait
        self._thread: threading.Thread | None = None

    def upcoming(self, after: datetime | None = None) -> list[tuple[datetime, ScheduleDefinition]]:
        """Each schedule's next firing after ``after`` (default now), soonest first."""
        moment = after or self._clock()
        planned = [(next_fire_time(schedule, moment), schedule) for schedule in self._schedules]
        return sorted(planned, key=lambda entry: entry[0])

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="pocketquant-scheduler", daemon=True)
        self._thread.start()

    def run(self) -> None:
        """Fire schedules until :meth:`stop`.

        Firings missed while the machine slept are run once on waking, not once each.
        """
        if not self._schedules:
            return
        due = dict((schedule.name, at) for at, schedule in self.upcoming())
        while not self._stopping.is_set():
            name, at = min(due.items(), key=lambda entry: entry[1])
            wait = (at - self._clock()).total_seconds()
            if wait > 0:
                if self._sleep(min(wait, MAX_WAIT_S)):
                    return
                continue
            schedule = next(s for s in self._schedules if s.name == name)
            self._run_one(schedule, at)
            due[name] = next_fire_time(schedule, max(at, self._clock()))

    def _run_one(self, schedule: ScheduleDefinition, at: datetime) -> None:
        logger.info("schedule %s fires (due %s)", schedule.name, at.isoformat())
        try:
            self._fire(schedule)
        except Exception:
            # One failed firing must not stop the schedules; EventBridge would retry it.
            logger.exception("schedule %s failed", schedule.name)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stopping.set()

    def close(self, timeout: float = 30.0) -> None:
        """Stop firing; a firing under way finishes first."""
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout)
