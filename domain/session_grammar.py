"""TradingView's session strings read into weekly schedules; time zones come later.

The grammar is the one TradingView's charting documentation defines ("Trading sessions",
and ``corrections`` under "Symbology"); the README's "Bar times" section has it as a table::

    history     := session ("#" YYYYMMDD "/" session)*
    session     := [D ";"] sections [";" D]  |  "24x7"          D: 1 = Sunday … 7 = Saturday
    sections    := section ("|" section)*
    section     := range ("," range)* [":" D+]                  Monday to Friday without days
    range       := time "-" time                                the end excluded
    time        := HHMM | HH:MM, then optionally "F" or "F1" … "F6"
    corrections := ranges ":" YYYYMMDD ("," YYYYMMDD)* (";" ...)*

A range belongs to a trading day and is kept in minutes from that day's local midnight:
``0000-0000`` is the whole day (0, 1440); an end at or before its start opens the day before
(``1700-1600`` is (-420, 960)); ``F``/``Fn`` put a time 1 or n days earlier; times past 2400
run into the next day (``0930-2730`` is (570, 1650)). Days named by a section replace the
sections without days for those days. Each ``SESSION#YYYYMMDD`` is the session in force
until hours changed; the change takes effect on that date when it is the first trading day
of its week under the new session, and at the start of the next week otherwise.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

from domain.errors import InvalidInput

MINUTES_PER_DAY = 1440
MONDAY = 0
MAX_DAYS_BEFORE = 6

Minutes = tuple[int, int]
"""A ``[start, end)`` range in minutes from the local midnight of its trading day."""

_WEEKDAYS = range(5)  # Monday..Friday as Python weekdays
_WHOLE_DAY: tuple[Minutes, ...] = ((0, MINUTES_PER_DAY),)
_TIME = re.compile(r"(\d\d):?(\d\d)(F(\d)?)?")
_DAY_DIGITS = re.compile(r"[1-7]+")
_DATE = re.compile(r"\d{8}")
_NO_DAY = "names no day (1 = Sunday … 7 = Saturday)"


class SessionSyntaxError(InvalidInput):
    """A session string (or holidays or corrections) TradingView's grammar does not allow.

    ``part`` is the fragment at fault, so a status or a log line can point at it.
    """

    code = "invalid_session"

    def __init__(self, text: str, part: str, reason: str, field: str = "session") -> None:
        super().__init__(field, f"{text!r} cannot be read: {part!r} {reason}")
        self.text = text
        self.part = part
        self.reason = reason


def weekday_of(digit: str) -> int:
    """TradingView's day number (1 = Sunday … 7 = Saturday) as a Python weekday."""
    return (int(digit) + 5) % 7


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    """One session string without history: the ranges of each weekday's trading day."""

    by_weekday: tuple[tuple[Minutes, ...], ...]
    """Index 0 is Monday (Python's weekday numbers)."""
    first_weekday: int = MONDAY

    @property
    def round_the_clock(self) -> bool:
        return all(ranges == _WHOLE_DAY for ranges in self.by_weekday)


@dataclass(frozen=True, slots=True)
class SessionHistory:
    """A parsed session string: the weekly schedules in force, oldest first."""

    schedules: tuple[WeeklySchedule, ...]
    effective: tuple[date, ...] = ()
    """``effective[i]`` is the first trading date of ``schedules[i + 1]``."""

    def on(self, day: date) -> WeeklySchedule:
        """The schedule in force on trading day ``day``."""
        if not self.effective:
            return self.schedules[0]
        return self.schedules[bisect_right(self.effective, day)]

    @property
    def round_the_clock(self) -> bool:
        return all(schedule.round_the_clock for schedule in self.schedules)

    def ranges(self) -> Iterator[Minutes]:
        for schedule in self.schedules:
            for day in schedule.by_weekday:
                yield from day


def reach(ranges: Iterator[Minutes]) -> tuple[int, int]:
    """How many days before and after its trading day a range can open or close."""
    before = after = 0
    for start, end in ranges:
        before = max(before, -(start // MINUTES_PER_DAY))
        after = max(after, (end - 1) // MINUTES_PER_DAY)
    return before, after


@lru_cache(maxsize=512)
def parse_session(text: str) -> SessionHistory:
    """``text`` as a :class:`SessionHistory`; :class:`SessionSyntaxError` names what is wrong."""
    stripped = text.strip()
    if not stripped:
        raise SessionSyntaxError(text, text, "is empty")
    elements = stripped.split("/")
    schedules: list[WeeklySchedule] = []
    changes: list[date] = []
    for element in elements[:-1]:
        body, marker, day = element.rpartition("#")
        if not marker:
            raise SessionSyntaxError(text, element, "needs '#YYYYMMDD' (when the hours changed)")
        schedules.append(_weekly(body, text))
        changes.append(_date(day, text))
    if "#" in elements[-1]:
        raise SessionSyntaxError(text, elements[-1], "needs '/' and the session that followed")
    schedules.append(_weekly(elements[-1], text))
    effective = tuple(
        _effective_date(change, schedule)
        for change, schedule in zip(changes, schedules[1:], strict=True)
    )
    for earlier, later, change in zip(effective, effective[1:], changes[1:], strict=False):
        if later <= earlier:
            day = change.strftime("%Y%m%d")
            raise SessionSyntaxError(text, day, "takes effect before the change before it")
    return SessionHistory(tuple(schedules), effective)


@lru_cache(maxsize=512)
def parse_corrections(text: str) -> Mapping[date, tuple[Minutes, ...]]:
    """``corrections`` / ``session-correction``: the hours of given days, by date.

    An empty session before the colon closes those days. A date listed twice keeps the last
    hours given for it.
    """
    by_day: dict[date, tuple[Minutes, ...]] = {}
    for item in text.split(";"):
        if not item.strip():
            continue
        hours, colon, days = item.strip().rpartition(":")
        if not colon:
            reason = "needs ':' and the dates (YYYYMMDD) it applies to"
            raise SessionSyntaxError(text, item, reason, "corrections")
        ranges = _merged(_ranges(hours, text, "corrections")) if hours.strip() else ()
        for day in days.split(","):
            by_day[_date(day, text, "corrections")] = ranges
    return MappingProxyType(by_day)


@lru_cache(maxsize=512)
def parse_holidays(text: str) -> frozenset[date]:
    """``session_holidays``: comma-separated ``YYYYMMDD`` dates (blank items are skipped)."""
    return frozenset(
        _date(item, text, "session_holidays") for item in text.split(",") if item.strip()
    )


def _weekly(text: str, spec: str) -> WeeklySchedule:
    parts = [part.strip() for part in text.split(";")]
    first = MONDAY
    if len(parts) > 2:
        raise SessionSyntaxError(spec, text, "has more than one ';' (the first day of the week)")
    if len(parts) == 2:
        before, after = parts
        if len(before) == 1 and before.isdigit():
            first_text, body = before, after
        elif len(after) == 1 and after.isdigit():
            first_text, body = after, before
        else:
            raise SessionSyntaxError(spec, text, "needs the first day of the week, 1 to 7, at ';'")
        if not _DAY_DIGITS.fullmatch(first_text):
            raise SessionSyntaxError(spec, first_text, _NO_DAY)
        first = weekday_of(first_text)
    else:
        body = parts[0]
    if body.lower() == "24x7":
        return WeeklySchedule(tuple(_WHOLE_DAY for _ in range(7)), first)
    return WeeklySchedule(_by_weekday(body, spec), first)


def _by_weekday(body: str, spec: str) -> tuple[tuple[Minutes, ...], ...]:
    named: dict[int, list[Minutes]] = {}
    unnamed: list[Minutes] = []
    for section in body.split("|"):
        ranges, days = _section(section.strip(), spec)
        if days is None:
            unnamed.extend(ranges)
        else:
            for day in days:
                named.setdefault(day, []).extend(ranges)
    week: list[tuple[Minutes, ...]] = []
    for weekday in range(7):
        if weekday in named:
            week.append(_merged(named[weekday]))
        elif weekday in _WEEKDAYS:
            week.append(_merged(unnamed))
        else:
            week.append(())
    return tuple(week)


def _section(text: str, spec: str) -> tuple[list[Minutes], list[int] | None]:
    """A section's ranges and the weekdays it names (``None``: Monday to Friday)."""
    if not text:
        raise SessionSyntaxError(spec, text, "is an empty section (between '|')")
    head, colon, tail = text.rpartition(":")
    if not (colon and tail.isdigit()):
        return _ranges(text, spec), None
    try:
        ranges = _ranges(head, spec)
    except SessionSyntaxError as before_days:
        try:  # the colon may be inside an HH:MM time
            return _ranges(text, spec), None
        except SessionSyntaxError:
            raise before_days from None
    if not _DAY_DIGITS.fullmatch(tail):
        raise SessionSyntaxError(spec, ":" + tail, _NO_DAY)
    return ranges, sorted({weekday_of(digit) for digit in tail})


def _ranges(text: str, spec: str, field: str = "session") -> list[Minutes]:
    return [_range(part.strip(), spec, field) for part in text.split(",")]


def _range(text: str, spec: str, field: str) -> Minutes:
    start_text, dash, end_text = text.partition("-")
    if not dash or "-" in end_text:
        raise SessionSyntaxError(spec, text, "is not a range HHMM-HHMM", field)
    start, start_back = _time(start_text, spec, field)
    end, end_back = _time(end_text, spec, field)
    if not start_back and not end_back:
        if start == end == 0:
            end = MINUTES_PER_DAY  # a whole day, midnight to midnight of the same day
        elif end <= start:
            start -= MINUTES_PER_DAY  # overnight: opens the evening before
    start -= start_back * MINUTES_PER_DAY
    end -= end_back * MINUTES_PER_DAY
    if end <= start:
        raise SessionSyntaxError(spec, text, "ends before it starts", field)
    return start, end


def _time(text: str, spec: str, field: str) -> tuple[int, int]:
    """Minutes after midnight and how many days before the trading day (``F``/``Fn``)."""
    match = _TIME.fullmatch(text)
    if match is None:
        raise SessionSyntaxError(spec, text, "is not a time HHMM (with F or Fn after it)", field)
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 47:
        raise SessionSyntaxError(spec, text, "is not a time of day (minutes 00-59)", field)
    days_back = 0
    if match[3]:
        days_back = int(match[4]) if match[4] else 1
        if not 1 <= days_back <= MAX_DAYS_BEFORE:
            raise SessionSyntaxError(spec, text, "goes back 1 to 6 days only (F1 to F6)", field)
    return hours * 60 + minutes, days_back


def _date(text: str, spec: str, field: str = "session") -> date:
    item = text.strip()
    if _DATE.fullmatch(item):
        try:
            return date(int(item[:4]), int(item[4:6]), int(item[6:]))
        except ValueError:
            pass
    raise SessionSyntaxError(spec, text, "is not a date YYYYMMDD", field)


def _merged(ranges: list[Minutes] | tuple[Minutes, ...]) -> tuple[Minutes, ...]:
    """Sorted, with overlapping ranges joined; touching ranges stay separate segments."""
    result: list[Minutes] = []
    for start, end in sorted(ranges):
        if result and start < result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return tuple(result)


def _effective_date(change: date, schedule: WeeklySchedule) -> date:
    """When a change of hours on ``change`` takes effect under the new ``schedule``."""
    week_start = change - timedelta(days=(change.weekday() - schedule.first_weekday) % 7)
    day = week_start
    while day < change:
        if schedule.by_weekday[day.weekday()]:
            return week_start + timedelta(days=7)
        day += timedelta(days=1)
    return change
