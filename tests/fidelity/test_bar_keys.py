"""Every real bar's own time is the bar-open time the session rules give for it.

symbol_resolved (``parse_symbol_info``) → ``TradingSession`` → ``bar_period`` of each real
bar of every capture that holds bars: the period holding the bar's time must open at that
time, and so must the period holding the last second before it closes.
"""

from __future__ import annotations

import itertools

import pytest

from domain.bar_time import bar_open_time, bar_period
from tests.fidelity.captures import CAPTURES, Series, all_series, bars

SERIES = all_series()


@pytest.mark.parametrize("series", SERIES, ids=[s.id for s in SERIES])
def test_every_real_bar_opens_where_the_rules_say(series: Series) -> None:
    assert series.bars, series.file
    wrong = []
    for bar in series.bars:
        period = bar_period(bar.time, series.interval, series.session)
        last_second = None if period is None else period[1] - 1
        if (
            period is None
            or period[0] != bar.time
            or bar_open_time(last_second or 0, series.interval, series.session) != bar.time
        ):
            wrong.append((bar.time, period))
    assert wrong == [], f"{series.id} ({series.why})"


@pytest.mark.parametrize("series", SERIES, ids=[s.id for s in SERIES])
def test_no_two_real_bars_share_a_period(series: Series) -> None:
    periods = [bar_period(bar.time, series.interval, series.session) for bar in series.bars]
    assert all(
        a is not None and b is not None and a[1] <= b[0] for a, b in itertools.pairwise(periods)
    )


def test_every_capture_that_holds_bars_is_checked() -> None:
    # Files under client_sent/ were sent by a client: they hold no bars.
    holding_bars = {
        path.name
        for path in CAPTURES.glob("*")
        if path.is_file() and path.name != "SOURCES.md" and bars(path.name)
    }
    assert holding_bars == {series.file for series in SERIES}
