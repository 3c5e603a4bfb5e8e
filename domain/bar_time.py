"""Bar-open times: which bar a moment belongs to, and the bars of a time range.

The rules follow TradingView's history so that a bar built from ticks has the same key as
the bar a sync stores:

* 24x7 markets: intraday bars at UTC multiples of the interval; days, weeks and months
  from midnight in the symbol's time zone.
* Markets with sessions: intraday bars count whole intervals from each session window's
  open and are cut at its close (a 1h NASDAQ bar at 09:30, 10:30, …, 15:30); a daily bar
  starts at the day's session open (09:30 New York); a weekly or monthly bar at the open
  of the first trading day of that week or month.
* A moment outside every session window belongs to no bar.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from domain.intervals import Interval, IntervalKind
from domain.sessions import TradingSession

Period = tuple[int, int]
"""A bar's ``[open, close)`` in UTC epoch seconds."""


def _group_start(day: date, kind: IntervalKind) -> date:
    if kind is IntervalKind.WEEKLY:
        return day - timedelta(days=day.weekday())
    if kind is IntervalKind.MONTHLY:
        return day.replace(day=1)
    return day


def _group_end(day: date, kind: IntervalKind) -> date:
    """The first day after the week or month holding ``day``."""
    if kind is IntervalKind.WEEKLY:
        return _group_start(day, kind) + timedelta(days=7)
    if kind is IntervalKind.MONTHLY:
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _group_period(session: TradingSession, day: date, kind: IntervalKind) -> Period | None:
    opens: int | None = None
    closes: int | None = None
    current, end = _group_start(day, kind), _group_end(day, kind)
    while current < end:
        windows = session.windows(current)
        if windows:
            if opens is None:
                opens = windows[0][0]
            closes = windows[-1][1]
        current += timedelta(days=1)
    if opens is None or closes is None:
        return None
    return opens, closes


def _intraday_in_window(epoch: int, window: Period, step: int) -> Period:
    start = window[0] + (epoch - window[0]) // step * step
    return start, min(start + step, window[1])


def bar_period(epoch: int, interval: Interval, session: TradingSession) -> Period | None:
    """The ``[open, close)`` of the bar holding ``epoch``, or ``None`` outside the session."""
    kind = interval.kind
    if kind is IntervalKind.INTRADAY and session.is_24x7:
        step = interval.seconds
        start = epoch - epoch % step
        return start, start + step
    found = session.trading_day_of(epoch)
    if found is None:
        return None
    day, window = found
    if kind is IntervalKind.INTRADAY:
        return _intraday_in_window(epoch, window, interval.seconds)
    if kind is IntervalKind.DAILY:
        windows = session.windows(day)
        return windows[0][0], windows[-1][1]
    return _group_period(session, day, kind)


def bar_open_time(epoch: int, interval: Interval, session: TradingSession) -> int | None:
    period = bar_period(epoch, interval, session)
    return None if period is None else period[0]


def _day_periods(day: date, interval: Interval, session: TradingSession) -> list[Period]:
    windows = session.windows(day)
    if not windows:
        return []
    if interval.kind is IntervalKind.DAILY:
        return [(windows[0][0], windows[-1][1])]
    step = interval.seconds
    periods: list[Period] = []
    for opens, closes in windows:
        periods.extend((t, min(t + step, closes)) for t in range(opens, closes, step))
    return periods


def iter_periods(
    start: int, end: int, interval: Interval, session: TradingSession
) -> Iterator[Period]:
    """Every bar period whose open lies in ``[start, end)``, oldest first."""
    if start >= end:
        return
    if interval.is_intraday and session.is_24x7:
        step = interval.seconds
        first = start + (-start % step)
        yield from ((t, t + step) for t in range(first, end, step))
        return
    day = session.local_date(start) - timedelta(days=1)
    last_day = session.local_date(end) + timedelta(days=1)
    kind = interval.kind
    while day <= last_day:
        if kind in (IntervalKind.WEEKLY, IntervalKind.MONTHLY):
            group = _group_period(session, day, kind)
            day = _group_end(day, kind)
            periods = [group] if group else []
        else:
            periods = _day_periods(day, interval, session)
            day += timedelta(days=1)
        yield from (p for p in periods if start <= p[0] < end)


def iter_periods_backward(
    end: int, interval: Interval, session: TradingSession
) -> Iterator[Period]:
    """Bar periods whose open is before ``end``, newest first, without limit."""
    if interval.is_intraday and session.is_24x7:
        step = interval.seconds
        last = (end - 1) - (end - 1) % step
        t = last
        while True:
            yield t, t + step
            t -= step
    kind = interval.kind
    day = session.local_date(end) + timedelta(days=1)
    while True:
        if kind in (IntervalKind.WEEKLY, IntervalKind.MONTHLY):
            group_start = _group_start(day, kind)
            group = _group_period(session, day, kind)
            periods = [group] if group else []
            day = group_start - timedelta(days=1)
        else:
            periods = _day_periods(day, interval, session)
            day -= timedelta(days=1)
        yield from (p for p in reversed(periods) if p[0] < end)
