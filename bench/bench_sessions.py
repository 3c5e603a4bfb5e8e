"""Bar periods from trading sessions: what the aggregator asks each time a tick leaves one.

``domain.aggregation`` consults the session only when a tick leaves its bar's period or
session window: ``trading_day_of`` to find the window, ``bar_period`` for daily, weekly and
monthly bars. This measures those calls for a NASDAQ stock, a CME future (overnight) and a
24x7 crypto pair, at a moment every 97 s over four weeks across the March 2024 DST change.

Metric: ``session_bar_periods_per_s``, periods found per second (each moment asks for the
window and for the 1h, 1d, 1w and 1M periods), the median of the repeats: after the first,
each day's windows come from the cache, as they do for a streamer past a day's first tick.

Run: ``python -m bench.bench_sessions [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.report import report
from domain.bar_time import bar_period
from domain.intervals import Interval
from domain.sessions import TradingSession

TARGET = 40_000.0
START = 1_709_251_200  # 2024-03-01 00:00 UTC
SPAN = 28 * 86_400
STEP = 97
INTERVALS = (Interval.H1, Interval.D1, Interval.W1, Interval.MN1)


def _sessions() -> list[TradingSession]:
    return [
        TradingSession("America/New_York", "0930-1600"),
        TradingSession("America/Chicago", "1700-1600:23456"),
        TradingSession("Etc/UTC", "24x7"),
    ]


def lookups(sessions: list[TradingSession]) -> int:
    """Ask every session for every moment's window and periods; return how many were asked."""
    asked = 0
    for session in sessions:
        for moment in range(START, START + SPAN, STEP):
            session.trading_day_of(moment)
            for interval in INTERVALS:
                bar_period(moment, interval, session)
            asked += 1 + len(INTERVALS)
    return asked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    timings: list[float] = []
    asked = 0
    for _ in range(options.repeats):
        sessions = _sessions()
        started = time.perf_counter()
        asked = lookups(sessions)
        timings.append(time.perf_counter() - started)
    report("session_bar_periods_per_s", asked / statistics.median(timings), "bars/s", TARGET)


if __name__ == "__main__":
    main()
