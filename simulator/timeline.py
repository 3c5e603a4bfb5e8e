"""Bar periods of a session, fast enough to list 5,000 daily bars in a few milliseconds.

The rules are those of ``domain.bar_time.iter_periods_backward`` (a test checks that both
agree for every catalogue listing); the difference is speed. ``TradingSession.windows``
converts local times through ``zoneinfo`` on every call, while a day's windows only move
with the UTC offset, so they are computed once per (weekday, offset) and shifted. Days
whose offset changes within them (DST switches), corrected days and sessions whose hours
changed (``#``) still go through ``windows``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from domain.bar_time import Period, iter_periods_backward
from domain.intervals import Interval, IntervalKind
from domain.session_grammar import parse_corrections, parse_session
from domain.sessions import TradingSession

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY = 86400
_BLOCK = 32


class Timeline:
    def __init__(self, session: TradingSession) -> None:
        self.session = session
        self._zone = session.zone
        self._holidays = frozenset(day.toordinal() for day in session.holidays)
        self._corrected = frozenset(
            day.toordinal() for day in parse_corrections(session.corrections)
        )
        self._changes_hours = len(parse_session(session.spec).schedules) > 1
        # Weekdays with sessions, from a week of 1900 (before any holiday list).
        self._trading_weekdays = frozenset(
            day.weekday()
            for day in (date(1900, 1, 1) + timedelta(days=i) for i in range(7))
            if session.is_trading_day(day)
        )
        self._offsets: dict[int, float] = {}
        self._steady_blocks: dict[int, bool] = {}
        self._relative: dict[tuple[int, float], tuple[Period, ...]] = {}
        self._days: dict[int, tuple[Period, ...]] = {}

    def _offset(self, ordinal: int) -> float:
        """UTC offset at local midnight of the day ``ordinal``, in seconds."""
        offset = self._offsets.get(ordinal)
        if offset is None:
            delta = self._zone.utcoffset(datetime.fromordinal(ordinal))
            offset = delta.total_seconds() if delta is not None else 0.0
            self._offsets[ordinal] = offset
        return offset

    def _steady(self, ordinal: int) -> bool:
        """Whether the offset is the same from midnight before ``ordinal`` to midnight after.

        Checked per block of days first (the offset changes at most twice a year), so most
        days need no ``zoneinfo`` call at all.
        """
        block = ordinal // _BLOCK
        first = block * _BLOCK
        if first < ordinal - 1 and ordinal + 1 < first + _BLOCK:
            steady = self._steady_blocks.get(block)
            if steady is None:
                steady = self._offset(first) == self._offset(first + _BLOCK)
                self._steady_blocks[block] = steady
            if steady:
                return True
        return self._offset(ordinal - 1) == self._offset(ordinal + 1)

    def day_windows(self, ordinal: int) -> tuple[Period, ...]:
        """``TradingSession.windows`` of the day with this ordinal."""
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        weekday = (ordinal - 1) % 7  # ordinal 1 (0001-01-01) was a Monday
        if ordinal in self._corrected or self._changes_hours:
            result: tuple[Period, ...] = tuple(self.session.windows(date.fromordinal(ordinal)))
        elif weekday not in self._trading_weekdays or ordinal in self._holidays:
            result = ()
        elif not self._steady(ordinal):
            result = tuple(self.session.windows(date.fromordinal(ordinal)))
        else:
            base = (ordinal - _EPOCH_ORDINAL) * _DAY
            key = (weekday, self._offset_in_block(ordinal))
            relative = self._relative.get(key)
            if relative is None:
                windows = self.session.windows(date.fromordinal(ordinal))
                relative = tuple((a - base, b - base) for a, b in windows)
                self._relative[key] = relative
            result = tuple([(a + base, b + base) for a, b in relative])
        self._days[ordinal] = result
        return result

    def _offset_in_block(self, ordinal: int) -> float:
        """The (steady) offset around ``ordinal``: its block's when known, else its own."""
        first = ordinal // _BLOCK * _BLOCK
        if self._steady_blocks.get(ordinal // _BLOCK):
            return self._offset(first)
        return self._offset(ordinal - 1)

    def backward(self, end: int, interval: Interval, since: int = 0) -> Iterator[Period]:
        """Periods opening in ``[since, end)``, newest first (``iter_periods_backward``)."""
        kind = interval.kind
        if kind is IntervalKind.INTRADAY and self.session.is_24x7:
            for period in iter_periods_backward(end, interval, self.session):
                if period[0] < since:
                    return
                yield period
            return
        if kind is IntervalKind.DAILY:
            yield from self._daily(end, since)
        elif kind is IntervalKind.INTRADAY:
            yield from self._intraday(end, since, interval.seconds)
        else:
            ordinal = self.session.local_date(end).toordinal() + 1
            last = (
                self.session.local_date(since).toordinal() - 1 if since > 0 else _EPOCH_ORDINAL - 1
            )
            yield from self._grouped(ordinal, last, end, since, kind)

    def trading_days(self, end: int, since: int = 0) -> Iterator[tuple[int, tuple[Period, ...]]]:
        """``(ordinal, windows)`` of the trading days that may open before ``end``, newest
        first, down to the day holding ``since``."""
        ordinal = self.session.local_date(end).toordinal() + 1 + self.session.reach[0]
        last = self.session.local_date(since).toordinal() - 1 if since > 0 else _EPOCH_ORDINAL - 1
        day_windows = self.day_windows
        while ordinal >= last:
            windows = day_windows(ordinal)
            if windows:
                yield ordinal, windows
            ordinal -= 1

    def _daily(self, end: int, since: int) -> Iterator[Period]:
        for _, windows in self.trading_days(end, since):
            opens = windows[0][0]
            if opens < since:
                return
            if opens < end:
                yield opens, windows[-1][1]

    def _intraday(self, end: int, since: int, step: int) -> Iterator[Period]:
        for _, windows in self.trading_days(end, since):
            for period in reversed(day_periods(windows, step)):
                if period[0] < since:
                    return
                if period[0] < end:
                    yield period

    def _grouped(
        self, ordinal: int, last: int, end: int, since: int, kind: IntervalKind
    ) -> Iterator[Period]:
        while ordinal >= last:
            day = date.fromordinal(ordinal)
            if kind is IntervalKind.WEEKLY:
                first = self.session.week_start(day).toordinal()
                stop = first + 7
            else:
                first = day.replace(day=1).toordinal()
                stop = _next_month(day)
            opens: int | None = None
            closes = 0
            for current in range(first, stop):
                windows = self.day_windows(current)
                if windows:
                    if opens is None:
                        opens = windows[0][0]
                    closes = windows[-1][1]
            ordinal = first - 1
            if opens is None:
                continue
            if opens < since:
                return
            if opens < end:
                yield opens, closes


def _next_month(day: date) -> int:
    if day.month == 12:
        return date(day.year + 1, 1, 1).toordinal()
    return date(day.year, day.month + 1, 1).toordinal()


def day_periods(windows: tuple[Period, ...], step: int) -> list[Period]:
    """A trading day's intraday periods: whole steps from each window's open, cut at its close."""
    return [
        (t, min(t + step, closes)) for opens, closes in windows for t in range(opens, closes, step)
    ]
