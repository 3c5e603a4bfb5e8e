"""Bar-open times: which bar a moment belongs to, and the bars of a time range.

The rules are TradingView's, checked against its own history in ``tests/fidelity/``, so a
bar built from ticks has the key a sync stores for the same period:

* Intraday bars count whole intervals from the open of each session window (each
  comma-separated range of the session string) and are cut at its close: a 1h NASDAQ bar
  at 09:30, 10:30, …, 15:30; after a lunch break the count starts again at the afternoon
  open. A window's close is excluded.
* Round-the-clock markets (``24x7``, ``0000-0000:1234567``): intraday bars at UTC multiples
  of the interval.
* A daily bar spans its trading day's windows: it opens at the first open (09:30 New York
  for NASDAQ; the evening before for an overnight CME session; 00:00 in the symbol's zone
  round the clock).
* A weekly bar opens at the first trading day of the week, the week starting on the
  session's first day (Monday unless ``N;`` sets it); a monthly bar at the first trading day
  of the month. Trading days are dates: holidays have none, corrections can add one.
* A moment outside every session window belongs to no bar.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from domain.intervals import Interval, IntervalKind
from domain.sessions import TradingSession

Period = tuple[int, int]
"""A bar's ``[open, close)`` in UTC epoch seconds."""


def _group_start(session: TradingSession, day: date, kind: IntervalKind) -> date:
    if kind is IntervalKind.WEEKLY:
        return session.week_start(day)
    if kind is IntervalKind.MONTHLY:
        return day.replace(day=1)
    return day


def _group_end(session: TradingSession, day: date, kind: IntervalKind) -> date:
    """The first day after the week or month holding ``day``."""
    if kind is IntervalKind.WEEKLY:
        return session.week_start(day) + timedelta(days=7)
    if kind is IntervalKind.MONTHLY:
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _group_period(session: TradingSession, day: date, kind: IntervalKind) -> Period | None:
    opens: int | None = None
    closes: int | None = None
    current, end = _group_start(session, day, kind), _group_end(session, day, kind)
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
    before, after = session.reach
    day = session.local_date(start) - timedelta(days=after + 1)
    last_day = session.local_date(end) + timedelta(days=before + 1)
    kind = interval.kind
    while day <= last_day:
        if kind in (IntervalKind.WEEKLY, IntervalKind.MONTHLY):
            group = _group_period(session, day, kind)
            day = _group_end(session, day, kind)
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
    day = session.local_date(end) + timedelta(days=session.reach[0] + 1)
    while True:
        if kind in (IntervalKind.WEEKLY, IntervalKind.MONTHLY):
            group_start = _group_start(session, day, kind)
            group = _group_period(session, day, kind)
            periods = [group] if group else []
            day = group_start - timedelta(days=1)
        else:
            periods = _day_periods(day, interval, session)
            day -= timedelta(days=1)
        yield from (p for p in reversed(periods) if p[0] < end)
