"""Bar periods of a session, fast enough to list 5,000 daily bars in a few milliseconds.

The rules are those of ``domain.bar_time.iter_periods_backward`` (a test checks that both
agree for every catalogue listing); the difference is speed. ``TradingSession.windows``
converts local times through ``zoneinfo`` on every call, while a day's windows only move
with the UTC offset, so they are computed once per (weekday, offset) and shifted. Days
whose offset changes within them (DST switches) still go through ``windows``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from domain.bar_time import Period, iter_periods_backward
from domain.intervals import Interval, IntervalKind
from domain.sessions import TradingSession

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY = 86400


class Timeline:
    def __init__(self, session: TradingSession) -> None:
        self.session = session
        self._zone = session.zone
        self._offsets: dict[int, float] = {}
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

    def day_windows(self, ordinal: int) -> tuple[Period, ...]:
        """``TradingSession.windows`` of the day with this ordinal."""
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        day = date.fromordinal(ordinal)
        session = self.session
        if not session.is_trading_day(day):
            result: tuple[Period, ...] = ()
        else:
            # A window lies within [midnight before, midnight after] of the previous/next day.
            before, after = self._offset(ordinal - 1), self._offset(ordinal + 1)
            base = (ordinal - _EPOCH_ORDINAL) * _DAY
            if before != after:
                result = tuple(session.windows(day))
            else:
                key = (day.weekday(), before)
                relative = self._relative.get(key)
                if relative is None:
                    relative = tuple((a - base, b - base) for a, b in session.windows(day))
                    self._relative[key] = relative
                result = tuple((a + base, b + base) for a, b in relative)
        self._days[ordinal] = result
        return result

    def backward(self, end: int, interval: Interval, since: int = 0) -> Iterator[Period]:
        """Periods opening in ``[since, end)``, newest first (``iter_periods_backward``)."""
        kind = interval.kind
        if kind is IntervalKind.INTRADAY and self.session.is_24x7:
            for period in iter_periods_backward(end, interval, self.session):
                if period[0] < since:
                    return
                yield period
            return
        ordinal = self.session.local_date(end).toordinal() + 1
        last = self.session.local_date(since).toordinal() - 1 if since > 0 else _EPOCH_ORDINAL - 1
        if kind is IntervalKind.DAILY:
            yield from self._daily(ordinal, last, end, since)
        elif kind is IntervalKind.INTRADAY:
            yield from self._intraday(ordinal, last, end, since, interval.seconds)
        else:
            yield from self._grouped(ordinal, last, end, since, kind)

    def _daily(self, ordinal: int, last: int, end: int, since: int) -> Iterator[Period]:
        day_windows = self.day_windows
        while ordinal >= last:
            windows = day_windows(ordinal)
            ordinal -= 1
            if windows:
                opens = windows[0][0]
                if opens < since:
                    return
                if opens < end:
                    yield opens, windows[-1][1]

    def _intraday(
        self, ordinal: int, last: int, end: int, since: int, step: int
    ) -> Iterator[Period]:
        day_windows = self.day_windows
        while ordinal >= last:
            windows = day_windows(ordinal)
            ordinal -= 1
            for opens, closes in reversed(windows):
                for t in range(opens + (closes - 1 - opens) // step * step, opens - 1, -step):
                    if t < since:
                        return
                    if t < end:
                        yield t, min(t + step, closes)

    def _grouped(
        self, ordinal: int, last: int, end: int, since: int, kind: IntervalKind
    ) -> Iterator[Period]:
        while ordinal >= last:
            day = date.fromordinal(ordinal)
            if kind is IntervalKind.WEEKLY:
                first = ordinal - day.weekday()
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
