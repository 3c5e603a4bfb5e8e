"""Real bars rolled up by the aggregator give the longer bars the documented rules predict.

Ticks made from every real bar of a capture go through ``SymbolBarAggregator`` at longer
intervals. The keys expected are written out here from the rules (README, "Bar times"),
in the exchange's local time, for a few days of each capture: intraday bars count whole
intervals from each session window's open, daily bars open at the day's first open,
weekly and monthly bars at the open of the first trading day of the week or month. Each
rolled bar's prices are the real bars' it covers (first open, highest high, lowest low,
last close).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.bars import Bar
from domain.intervals import Interval
from domain.sessions import TradingSession
from tests.fidelity.captures import (
    aggregate,
    bars,
    btcusd_session,
    local,
    rut_session,
    spx_session,
    ticks_inside,
    vcb_session,
    vix_like_session,
)

NY = "America/New_York"
HCM = "Asia/Ho_Chi_Minh"
UTC = "Etc/UTC"


def every(zone: str, first: str, last: str, minutes: int) -> list[int]:
    """``first``, ``first`` + ``minutes``, … up to ``last`` inclusive, local times of ``zone``."""
    keys, moment, end = [], local(zone, first), local(zone, last)
    while moment <= end:
        keys.append(moment)
        moment += minutes * 60
    return keys


def at(zone: str, day: str, *times: str) -> list[int]:
    return [local(zone, f"{day} {clock}") for clock in times]


Prices = tuple[int, float, float, float, float]
"""A bar's time, open, high, low and close."""


def rolled(real: Sequence[Bar], keys: Sequence[int], end: int) -> list[Prices]:
    """The bars ``keys`` stand for: the real bars from each key to the next (the last key
    takes those before ``end``)."""
    result: list[Prices] = []
    for key, until in zip(keys, [*keys[1:], end], strict=True):
        members = [bar for bar in real if key <= bar.time < until]
        result.append(
            (
                key,
                members[0].open,
                max(bar.high for bar in members),
                min(bar.low for bar in members),
                members[-1].close,
            )
        )
    return result


def built_between(
    file: str, session: TradingSession, interval: Interval, start: int, end: int
) -> list[Prices]:
    real = bars(file)
    built = aggregate(ticks_inside(real), session, [interval])[interval]
    return [(b.time, b.open, b.high, b.low, b.close) for b in built if start <= b.time < end]


RUT_1M = "timescale_update_1m_tvc_rut_2023.txt"
NDX_1M = "timescale_update_1m_sds2_nasdaq_ndx_2023.txt"
INDEX_WITH_VOLUME_1M = "timescale_update_1m_sds5_with_volume_2023.txt"
VIX_LIKE_1M = "timescale_update_1m_sds3_2023.txt"

# A regular US index day, 09:30 to 16:10 or 16:15: the 16:00 prints fall in the last 5m/15m
# bars and in the 15:30 hourly bar.
US_INDEX_DAY = {
    Interval.M5: ("09:30", "16:00", 5),
    Interval.M15: ("09:30", "16:00", 15),
    Interval.H1: ("09:30", "15:30", 60),
    Interval.H4: ("09:30", "13:30", 240),
    Interval.D1: ("09:30", "09:30", 1440),
}


@pytest.mark.parametrize("interval", list(US_INDEX_DAY), ids=str)
@pytest.mark.parametrize(
    ("file", "session_of"),
    [(RUT_1M, rut_session), (NDX_1M, spx_session), (INDEX_WITH_VOLUME_1M, spx_session)],
    ids=["TVC:RUT", "NASDAQ:NDX", "index with volume"],
)
@pytest.mark.parametrize("day", ["2023-06-05", "2023-06-07", "2023-06-09"])
def test_us_index_minutes_roll_up_from_the_0930_open(
    file: str, session_of: Callable[[], TradingSession], interval: Interval, day: str
) -> None:
    first, last, step = US_INDEX_DAY[interval]
    keys = every(NY, f"{day} {first}", f"{day} {last}", step)
    start = local(NY, f"{day} 00:00")
    built = built_between(file, session_of(), interval, start, start + 86_400)
    assert built == rolled(bars(file), keys, start + 86_400)


def test_the_first_partial_day_still_rolls_up_from_the_0930_open() -> None:
    # TVC:RUT's capture starts on 2023-06-01 at 11:27 (in the 10:30 hourly bar): the day's
    # bars keep the grid of its 09:30 open.
    start = local(NY, "2023-06-01 00:00")
    hourly = built_between(RUT_1M, rut_session(), Interval.H1, start, start + 86_400)
    assert [bar[0] for bar in hourly] == every(NY, "2023-06-01 10:30", "2023-06-01 15:30", 60)
    daily = built_between(RUT_1M, rut_session(), Interval.D1, start, start + 86_400)
    assert [bar[0] for bar in daily] == [local(NY, "2023-06-01 09:30")]


@pytest.mark.parametrize(
    ("interval", "times"),
    [
        (
            Interval.H1,
            [f"{h:02d}:15" for h in range(3, 9)] + [f"{h:02d}:30" for h in range(9, 16)],
        ),
        (Interval.H4, ["03:15", "07:15", "09:30", "13:30"]),
        (Interval.D1, ["03:15"]),
    ],
    ids=["1h", "4h", "1d"],
)
@pytest.mark.parametrize("day", ["2023-06-06", "2023-06-08"])
def test_extended_hours_restart_the_count_at_the_second_window(
    interval: Interval, times: list[str], day: str
) -> None:
    # 0315-0915,0930-1615: hourly bars at 03:15 … 08:15 (cut at 09:15), then 09:30 … 15:30.
    keys = at(NY, day, *times)
    start = local(NY, f"{day} 00:00")
    built = built_between(VIX_LIKE_1M, vix_like_session(), interval, start, start + 86_400)
    assert built == rolled(bars(VIX_LIKE_1M), keys, start + 86_400)


# --- HOSE:VCB: hourly bars of a market with a lunch break, holidays, a corrected Saturday -----

VCB_1H = "timescale_update_1h_hose_vcb_2025.payload.json"


@pytest.mark.parametrize("day", ["2025-04-08", "2025-05-05", "2025-06-25"])
def test_vcb_hours_roll_up_into_four_hour_and_daily_bars_from_0900(day: str) -> None:
    start = local(HCM, f"{day} 00:00")
    four_hours = built_between(VCB_1H, vcb_session(), Interval.H4, start, start + 86_400)
    assert four_hours == rolled(bars(VCB_1H), at(HCM, day, "09:00", "13:00"), start + 86_400)
    daily = built_between(VCB_1H, vcb_session(), Interval.D1, start, start + 86_400)
    assert daily == rolled(bars(VCB_1H), at(HCM, day, "09:00"), start + 86_400)


def test_vcb_weeks_open_on_their_first_trading_day() -> None:
    # Monday 2025-04-07 is a holiday: that week opens on Tuesday. The correction makes
    # Saturday 2025-04-26 a session day, which changes no week's open.
    weeks = [
        "03-24", "03-31", "04-08", "04-14", "04-21", "04-28", "05-05",
        "05-12", "05-19", "05-26", "06-02", "06-09", "06-16", "06-23",
    ]  # fmt: skip
    built = built_between(VCB_1H, vcb_session(), Interval.W1, 0, 1 << 40)
    assert [bar[0] for bar in built] == [local(HCM, f"2025-{day} 09:00") for day in weeks]


def test_vcb_months_open_on_their_first_trading_day() -> None:
    # May 1 and 2 are holidays: May opens on Monday the 5th.
    months = ["2025-03-03", "2025-04-01", "2025-05-05", "2025-06-02"]
    built = built_between(VCB_1H, vcb_session(), Interval.MN1, 0, 1 << 40)
    assert [bar[0] for bar in built] == [local(HCM, f"{day} 09:00") for day in months]
    assert built[1:] == rolled(bars(VCB_1H), [bar[0] for bar in built[1:]], 1 << 40)


# --- BITSTAMP:BTCUSD 2019: 2;0000-0000:1234567 ----------------------------------------------------

BTC_15M = "multi_message_timescale_update_15m_series_completed_2019.txt"


@pytest.mark.parametrize(
    ("interval", "keys"),
    [
        (Interval.H1, every(UTC, "2019-05-18 15:00", "2019-05-21 19:00", 60)),
        (Interval.H4, every(UTC, "2019-05-18 12:00", "2019-05-21 16:00", 240)),
        (Interval.D1, every(UTC, "2019-05-18 00:00", "2019-05-21 00:00", 1440)),
        # Monday first ("2;"), whole days ("0000-0000"): the Saturday and Sunday are in the
        # week of Monday the 13th, and the week of the 20th opens at Monday 00:00.
        (Interval.W1, at(UTC, "2019-05-13", "00:00") + at(UTC, "2019-05-20", "00:00")),
        (Interval.MN1, at(UTC, "2019-05-01", "00:00")),
    ],
    ids=["1h", "4h", "1d", "1w", "1M"],
)
def test_btcusd_quarter_hours_roll_up_round_the_clock(interval: Interval, keys: list[int]) -> None:
    built = built_between(BTC_15M, btcusd_session(), interval, 0, 1 << 40)
    assert [bar[0] for bar in built] == keys
    real = bars(BTC_15M)
    assert built == rolled(real, keys, 1 << 40)


# --- SP:SPX daily bars across DST into weeks and months -------------------------------------------

SPX_1D = "timescale_update_daily_sp_spx_2023.txt"


def test_spx_months_open_on_their_first_trading_day_across_dst() -> None:
    # 2022-01-03: the 1st is a Saturday; 2022-10-03: a Monday after a Saturday 1st;
    # 2023-01-03: Monday the 2nd is a holiday. EST is UTC-5 (14:30 UTC), EDT UTC-4 (13:30).
    months = [
        "2021-12-01", "2022-01-03", "2022-02-01", "2022-03-01", "2022-04-01", "2022-05-02",
        "2022-06-01", "2022-07-01", "2022-08-01", "2022-09-01", "2022-10-03", "2022-11-01",
        "2022-12-01", "2023-01-03", "2023-02-01", "2023-03-01", "2023-04-03", "2023-05-01",
        "2023-06-01",
    ]  # fmt: skip
    built = built_between(SPX_1D, spx_session(), Interval.MN1, 0, 1 << 40)
    assert [bar[0] for bar in built] == [local(NY, f"{day} 09:30") for day in months]
    assert built[1:] == rolled(bars(SPX_1D), [bar[0] for bar in built[1:]], 1 << 40)


def test_spx_weeks_open_on_their_first_trading_day() -> None:
    built = built_between(SPX_1D, spx_session(), Interval.W1, 0, 1 << 40)
    keys = [bar[0] for bar in built]
    # Written out: Martin Luther King Jr. Day 2022-01-17 moves that week to Tuesday; the
    # weeks after each DST change open at 13:30 and 14:30 UTC.
    for day in ("2022-01-18", "2022-03-14", "2022-04-11", "2022-11-07", "2023-01-03"):
        assert local(NY, f"{day} 09:30") in keys
    # And every week opens with its first real daily bar (TradingView's own trading days),
    # but the first: the capture starts on Wednesday 2021-12-22, that week on Monday the 20th.
    zone = ZoneInfo(NY)
    first_of_week: dict[date, int] = {}
    for bar in bars(SPX_1D):
        traded = datetime.fromtimestamp(bar.time, zone).date()
        first_of_week.setdefault(traded - timedelta(days=traded.weekday()), bar.time)
    assert keys[0] == local(NY, "2021-12-20 09:30")
    assert keys[1:] == sorted(first_of_week.values())[1:]
