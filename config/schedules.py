"""The periodic syncs, as data: one definition used by the CDK stack and the local scheduler.

On AWS each :class:`ScheduleDefinition` becomes an EventBridge Scheduler schedule that
invokes the ``scheduler`` function with :meth:`ScheduleDefinition.target_input`; locally,
the in-process scheduler fires the same definitions at :func:`next_fire_time`.

Pure Python (standard library only): nothing here imports AWS or third-party code.

Expressions use EventBridge Scheduler's cron syntax, six fields:
``cron(minutes hours day-of-month month day-of-week year)``, with ``?`` in exactly one of
the two day fields, days of the week ``1-7`` = ``SUN-SAT`` (or their names) and months
``1-12`` = ``JAN-DEC``. This module evaluates ``*``, ``?``, values, names, ranges ``a-b``,
steps ``*/n``, ``a/n`` and ``a-b/n`` and lists; ``L``, ``W`` and ``#`` are refused.
Daylight saving time follows EventBridge Scheduler: a local time skipped when the clock
moves forward does not fire, and a local time repeated when it moves back fires once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "SCHEDULES",
    "CronExpression",
    "ScheduleDefinition",
    "next_fire_time",
    "schedule_by_name",
]

_CRON = re.compile(r"^cron\((?P<body>[^()]+)\)$")
_NAME = re.compile(r"^[0-9a-zA-Z_.-]{1,64}$")  # EventBridge Scheduler's schedule name rule
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_SEARCH_YEARS = 8  # far enough for any expression that fires at all (leap days included)


def _parse_value(text: str, low: int, names: tuple[str, ...]) -> int:
    upper = text.upper()
    if upper in names:
        return low + names.index(upper)
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a number or a name (L, W and # are not supported)")
    return int(text)


def _parse_field(
    text: str, low: int, high: int, names: tuple[str, ...] = ()
) -> frozenset[int] | None:
    """The values a cron field allows, or None for ``*``/``?`` (anything)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"{part!r}: the step must be at least 1")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _parse_value(first, low, names), _parse_value(last, low, names)
        else:
            start = _parse_value(base, low, names)
            end = high if step_text else start
        if not low <= start <= end <= high:
            raise ValueError(f"{part!r} is outside {low}-{high} or reversed")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _allows(allowed: frozenset[int] | None, value: int) -> bool:
    return allowed is None or value in allowed


@dataclass(frozen=True, slots=True)
class CronExpression:
    """A parsed EventBridge Scheduler ``cron(...)`` expression."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None
    months: frozenset[int] | None
    days_of_week: frozenset[int] | None  # 1 = Sunday ... 7 = Saturday
    years: frozenset[int] | None

    @classmethod
    def parse(cls, expression: str) -> CronExpression:
        match = _CRON.match(expression.strip())
        if match is None:
            raise ValueError(f"{expression!r} is not a cron(...) expression")
        fields = match.group("body").split()
        if len(fields) != 6:
            raise ValueError(f"{expression!r}: a cron expression has 6 fields, not {len(fields)}")
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ValueError(f"{expression!r}: exactly one of the two day fields must be '?'")
        minutes = _parse_field(minute, 0, 59)
        hours = _parse_field(hour, 0, 23)
        return cls(
            minutes=minutes if minutes is not None else frozenset(range(60)),
            hours=hours if hours is not None else frozenset(range(24)),
            days_of_month=_parse_field(dom, 1, 31),
            months=_parse_field(month, 1, 12, _MONTHS),
            days_of_week=_parse_field(dow, 1, 7, _DAYS),
            years=_parse_field(year, 1970, 2199),
        )

    def matches_day(self, day: date) -> bool:
        weekday = day.isoweekday() % 7 + 1  # Monday (1) -> 2 ... Sunday (7) -> 1
        return (
            _allows(self.years, day.year)
            and _allows(self.months, day.month)
            and _allows(self.days_of_month, day.day)
            and _allows(self.days_of_week, weekday)
        )

    def times_of_day(self) -> list[time]:
        return [time(h, m) for h in sorted(self.hours) for m in sorted(self.minutes)]


@dataclass(frozen=True, slots=True)
class ScheduleDefinition:
    """One periodic sync.

    ``intervals`` limits the sync to tracked series of those intervals; None means every
    tracked series. ``expression`` is evaluated in ``timezone`` (an IANA name).
    """

    name: str
    expression: str
    timezone: str
    intervals: tuple[str, ...] | None
    description: str
    cron: CronExpression = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"schedule name {self.name!r} must match {_NAME.pattern}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{self.timezone!r} is not an IANA time zone") from exc
        if self.intervals is not None and not self.intervals:
            raise ValueError("intervals is None (all tracked series) or names at least one")
        object.__setattr__(self, "cron", CronExpression.parse(self.expression))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def applies_to(self, interval: str) -> bool:
        """Whether a tracked series of ``interval`` is synced by this schedule."""
        return self.intervals is None or interval in self.intervals

    def target_input(
        self, tracked_symbols: Sequence[str], tracked_intervals: Sequence[str]
    ) -> dict[str, object]:
        """The JSON the ``scheduler`` function receives when this schedule fires.

        ``symbols`` x ``intervals`` are the configured series this schedule syncs (the
        intervals already filtered by :meth:`applies_to`); ``schedule`` names the definition
        so a handler can also apply it to series tracked elsewhere.
        """
        return {
            "schedule": self.name,
            "symbols": list(tracked_symbols),
            "intervals": [i for i in tracked_intervals if self.applies_to(i)],
        }


def _local_occurrence(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """The instant of wall time ``day at`` in ``zone``; None when the clock skips it."""
    local = datetime.combine(day, at, tzinfo=zone)  # fold=0: the first of a repeated time
    round_trip = local.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return local.astimezone(UTC)


def next_fire_time(schedule: ScheduleDefinition, after: datetime) -> datetime:
    """The first time strictly after ``after`` (timezone-aware) at which ``schedule`` fires.

    Returned in UTC. Raises ValueError when the expression never fires again.
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    zone = schedule.zone
    cron = schedule.cron
    times = cron.times_of_day()
    start = after.astimezone(zone).date() - timedelta(days=1)  # a repeated hour spans days
    for offset in range(366 * _SEARCH_YEARS):
        day = start + timedelta(days=offset)
        if not cron.matches_day(day):
            continue
        for at in times:
            instant = _local_occurrence(day, at, zone)
            if instant is not None and instant > after:
                return instant
    raise ValueError(f"{schedule.expression} does not fire after {after.isoformat()}")


SCHEDULES: tuple[ScheduleDefinition, ...] = (
    ScheduleDefinition(
        name="sync-all-every-6h",
        expression="cron(0 */6 * * ? *)",
        timezone="UTC",
        intervals=None,
        description="Every 6 hours: sync every tracked series.",
    ),
    ScheduleDefinition(
        name="sync-daily-market-hours",
        expression="cron(0 9-17 ? * MON-FRI *)",
        timezone="America/New_York",
        intervals=("1d",),
        description="Hourly 09:00-17:00 New York time on weekdays: sync the daily bars.",
    ),
)


def schedule_by_name(name: str) -> ScheduleDefinition:
    """The definition named ``name`` (what the ``scheduler`` function receives)."""
    for schedule in SCHEDULES:
        if schedule.name == name:
            return schedule
    raise KeyError(name)
