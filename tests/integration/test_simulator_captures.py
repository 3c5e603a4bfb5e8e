"""The simulator held to real TradingView captures, over real websockets.

For each catalogue ticker that has a capture (SOURCES.md beside the captures lists them),
the simulator's ``symbol_resolved`` and quote carry the same session fields, and its
history has the shape the real history has: which minutes of a day have a 1-minute bar,
which hours an hourly bar, which days a daily bar. The simulator's clock is set to the
moment of each capture and stands still.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.bars import Bar
from domain.session_grammar import parse_holidays
from simulator.server import Simulator
from tests.fidelity.captures import bars, frames
from tests.fixtures.simulator import RawClient, RawClientFactory, SimulatorFactory
from tests.simulator_support import bars_of, request, snapshot, spec, utc

NEW_YORK = ZoneInfo("America/New_York")

TVR_2023 = 1_686_475_613
"""When the 2023 captures (TVR) were made: Sunday 2023-06-11 09:26:53 UTC."""
RL19 = 1_558_466_894
"""When the 2019 BITSTAMP:BTCUSD ``symbol_resolved`` was received: 2019-05-21 19:28 UTC."""
VCB_2025 = 1_750_870_230
"""When the HOSE:VCB ``symbol_resolved`` of 2025 was sent: 2025-06-25 16:50 in Hanoi."""

SESSION_FIELDS = ("session", "subsession_id", "subsessions", "timezone", "has_extended_hours")
SYMBOL_FIELDS = ("pricescale", "minmov", "type", "typespecs", "currency_code")


def resolved(name: str) -> dict[str, Any]:
    (message,) = [m for m in frames(name) if m.method == "symbol_resolved"]
    meta: dict[str, Any] = message.params[2]
    return meta


def quote(name: str) -> dict[str, Any]:
    (message,) = [m for m in frames(name) if m.method == "qsd"]
    values: dict[str, Any] = message.params[1]["v"]
    return values


async def resolve(client: RawClient, symbol: str, session: str = "regular") -> dict[str, Any]:
    symbol_spec = spec(symbol, session=session)
    messages = await request(client, "", "1D", 1, cs=f"cs_{session}", symbol_spec=symbol_spec)
    assert messages[0].method == "symbol_resolved"
    meta: dict[str, Any] = messages[0].params[2]
    return meta


def holidays_until(text: str, last: date) -> set[date]:
    return {day for day in parse_holidays(text) if day <= last}


ALL_FIELDS = (*SESSION_FIELDS, *SYMBOL_FIELDS, "visible_plots_set", "variable_tick_size")
OLD_SESSION_FIELDS = ("session", "timezone", "has_extended_hours")
"""The 2019 captures predate subsessions."""

# ticker, the session its capture was resolved with, capture, fields compared
RESOLVED_CASES = [
    ("SP:SPX", "regular", "symbol_resolved_sp_spx_2023.txt", ALL_FIELDS),
    # TVC:RUT's capture came resolved with its extended hours; its variable_tick_size is "".
    ("TVC:RUT", "extended", "symbol_resolved_tvc_rut_subsessions_2023.txt", ALL_FIELDS),
    ("HOSE:VCB", "regular", "symbol_resolved_hose_vcb_lunch_break_2025.payload.json", ALL_FIELDS),
    # BITSTAMP's pricescale and type changed since 2019: the 2023 quote below has them.
    (
        "BITSTAMP:BTCUSD",
        "regular",
        "symbol_resolved_bitstamp_btcusd_session_2_0000-0000_2019.txt",
        (*OLD_SESSION_FIELDS, "minmov", "currency_code"),
    ),
    (
        "NASDAQ:AAPL",
        "regular",
        "symbol_resolved_nasdaq_aapl_2019.txt",
        (*OLD_SESSION_FIELDS, *SYMBOL_FIELDS),
    ),
]


@pytest.mark.parametrize("case", RESOLVED_CASES, ids=[c[0] for c in RESOLVED_CASES])
async def test_symbol_resolved_carries_the_captures_session_fields(
    simulator: Simulator, raw_client: RawClientFactory, case: tuple[str, str, str, tuple[str, ...]]
) -> None:
    symbol, session, capture, fields = case
    real = resolved(capture)
    ours = await resolve(await raw_client(simulator), symbol, session)
    assert {f: ours[f] for f in fields} == {f: real[f] for f in fields}
    if "session_holidays" in real:  # the same holidays for the years the capture lists
        last = max(parse_holidays(real["session_holidays"]))
        assert holidays_until(ours["session_holidays"], last) == parse_holidays(
            real["session_holidays"]
        )


async def test_a_regular_resolve_names_the_regular_hours_among_the_same_subsessions(
    simulator: Simulator, raw_client: RawClientFactory
) -> None:
    real = resolved("symbol_resolved_tvc_rut_subsessions_2023.txt")
    ours = await resolve(await raw_client(simulator), "TVC:RUT")
    (regular,) = [s for s in real["subsessions"] if s["id"] == "regular"]
    assert (ours["session"], ours["subsession_id"]) == (regular["session"], "regular")
    assert ours["subsessions"] == real["subsessions"]


QUOTE_FIELDS = ("pricescale", "minmov", "type", "typespecs", "description", "current_session")

# ticker, capture, fields compared (the captures were made on a Sunday: out of session but
# for bitcoin)
QUOTE_CASES = [
    ("BITSTAMP:BTCUSD", "qsd_full_bitstamp_btcusd_2023.txt", (*QUOTE_FIELDS, "currency_code")),
    ("SP:SPX", "qsd_full_sp_spx_2023.txt", (*QUOTE_FIELDS, "currency_code", "is_tradable")),
    (
        "NASDAQ:NDX",
        "qsd_full_nasdaq_ndx_delayed_volume_1e100_2023.txt",
        (*QUOTE_FIELDS, "is_tradable", "volume"),
    ),
    ("NASDAQ:AAPL", "qsd_full_nasdaq_aapl_post_market_2023.txt", (*QUOTE_FIELDS, "currency_code")),
]


@pytest.mark.parametrize(
    ("symbol", "capture", "fields"), QUOTE_CASES, ids=[c[0] for c in QUOTE_CASES]
)
async def test_quotes_carry_the_captures_fields(
    simulator_factory: SimulatorFactory,
    raw_client: RawClientFactory,
    symbol: str,
    capture: str,
    fields: tuple[str, ...],
) -> None:
    sim = await simulator_factory(now=TVR_2023, tick_speed=0.0)
    ours = await snapshot(await raw_client(sim), symbol)
    real = quote(capture)
    assert {f: ours[f] for f in fields} == {f: real[f] for f in fields}


async def test_extended_hours_quotes_move_outside_the_regular_session(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    # The real NASDAQ:AAPL quote of that Sunday: last trade at 19:59:59 New York on Friday.
    real_quote = quote("qsd_full_nasdaq_aapl_post_market_2023.txt")
    real = datetime.fromtimestamp(real_quote["lp_time"], NEW_YORK)
    sim = await simulator_factory(now=TVR_2023, tick_speed=0.0)
    our_quote = await snapshot(await raw_client(sim), "NASDAQ:AAPL")
    ours = datetime.fromtimestamp(our_quote["lp_time"], NEW_YORK)
    assert ours.date() == real.date() == date(2023, 6, 9)
    assert ours.strftime("%H:%M") == real.strftime("%H:%M") == "19:59"


async def test_the_quote_volume_is_the_last_daily_bars_volume(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    # SOURCES.md: SP:SPX's quote volume (2,109,000,000) equals its last daily bar's.
    real_bars = bars("timescale_update_daily_sp_spx_2023.txt")
    assert quote("qsd_full_sp_spx_2023.txt")["volume"] == real_bars[-1].volume
    sim = await simulator_factory(now=TVR_2023, tick_speed=0.0)
    client = await raw_client(sim)
    (last,) = bars_of(await request(client, "SP:SPX", "1D", 1))
    assert (await snapshot(client, "SP:SPX"))["volume"] == last.volume


def clock_times(items: Iterable[Bar], zone: ZoneInfo) -> dict[date, set[str]]:
    """``HH:MM`` of each bar's open, by local date."""
    by_day: dict[date, set[str]] = defaultdict(set)
    for bar in items:
        moment = datetime.fromtimestamp(bar.time, zone)
        by_day[moment.date()].add(moment.strftime("%H:%M"))
    return by_day


def whole_days(by_day: dict[date, set[str]]) -> list[set[str]]:
    """The days of a history but its first (cut by the bar count) and its last."""
    return [by_day[day] for day in sorted(by_day)[1:-1]]


MINUTE_CASES = [
    # TVC:RUT (regular): 09:30 to 16:04, a few of the minutes after 16:00 missing some days.
    ("TVC:RUT", "timescale_update_1m_tvc_rut_2023.txt"),
    # NASDAQ:NDX (sds_2): 09:30 to 16:00 inclusive, every day.
    ("NASDAQ:NDX", "timescale_update_1m_sds2_nasdaq_ndx_2023.txt"),
    # The Dow Jones with volume (sds_5): 09:30 to 16:04, every day.
    ("DJ:DJI", "timescale_update_1m_sds5_with_volume_2023.txt"),
]


@pytest.mark.parametrize(("symbol", "capture"), MINUTE_CASES, ids=[c[0] for c in MINUTE_CASES])
async def test_a_days_minute_bars_have_the_real_ones_shape(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory, symbol: str, capture: str
) -> None:
    real = whole_days(clock_times(bars(capture), NEW_YORK))
    sim = await simulator_factory(now=TVR_2023, tick_speed=0.0)
    ours = bars_of(await request(await raw_client(sim), symbol, "1", len(bars(capture))))
    ours_by_day = clock_times(ours, NEW_YORK)
    # The same trading days as the capture (2023-06-01 to 2023-06-09), each shaped like its
    # real ones: every minute every real day has, and none that no real day has.
    real_days = sorted(clock_times(bars(capture), NEW_YORK))
    assert sorted(ours_by_day)[-len(real_days) :] == real_days
    always, ever = set.intersection(*real), set.union(*real)
    for day in real_days[1:]:
        assert always <= ours_by_day[day] <= ever, day


async def test_an_extended_series_has_the_extended_hours_bars_a_regular_one_has_not(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(now=TVR_2023, tick_speed=0.0)
    client = await raw_client(sim)
    extended = spec("NASDAQ:AAPL", session="extended")

    async def day(resolution: str, count: int, cs: str, symbol_spec: str | None) -> set[str]:
        found = bars_of(
            await request(client, "NASDAQ:AAPL", resolution, count, cs=cs, symbol_spec=symbol_spec)
        )
        return clock_times(found, NEW_YORK)[date(2023, 6, 9)]  # the Friday

    regular_minutes = await day("1", 390, "cs_r", None)
    extended_minutes = await day("1", 960, "cs_e", extended)
    assert (min(regular_minutes), max(regular_minutes), len(regular_minutes)) == (
        "09:30",
        "15:59",
        390,
    )
    assert (min(extended_minutes), max(extended_minutes), len(extended_minutes)) == (
        "04:00",
        "19:59",
        960,
    )
    hourly = await day("60", 16, "cs_h", extended)
    # Extended hours are one window, 04:00-20:00: hourly bars count from 04:00.
    assert sorted(hourly) == [f"{h:02d}:00" for h in range(4, 20)]


async def test_hose_hourly_bars_skip_the_lunch_break_and_the_holidays(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    real = clock_times(bars("timescale_update_1h_hose_vcb_2025.payload.json"), zone)
    sim = await simulator_factory(now=VCB_2025, tick_speed=0.0)
    ours = clock_times(bars_of(await request(await raw_client(sim), "HOSE:VCB", "60", 320)), zone)
    # The same trading days (after the capture's first, cut by its bar count): holidays
    # (2025-04-07, 04-30, 05-01, 05-02) have none, nor has the corrected Saturday
    # 2025-04-26, on which nothing traded.
    real_days = sorted(real)[1:]
    assert [day for day in sorted(ours) if day >= real_days[0]] == real_days
    hours = {"09:00", "10:00", "11:00", "13:00", "14:00"}
    assert set.union(*(real[day] for day in real_days)) == hours
    assert all(ours[day] == hours for day in real_days)


async def test_spx_daily_bars_fall_on_the_real_days_at_the_real_times(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    # 368 daily bars from 2021-12-22 to 2023-06-09: 14:30 UTC in winter, 13:30 in summer,
    # none on the NYSE's holidays.
    real = bars("timescale_update_daily_sp_spx_2023.txt")
    sim = await simulator_factory(now=TVR_2023, tick_speed=0.0)
    ours = bars_of(await request(await raw_client(sim), "SP:SPX", "1D", len(real)))
    assert [b.time for b in ours] == [b.time for b in real]


async def test_bitstamp_trades_round_the_clock_with_weeks_from_monday(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    real = bars("multi_message_timescale_update_15m_series_completed_2019.txt")
    sim = await simulator_factory(now=RL19, tick_speed=0.0)
    client = await raw_client(sim)
    ours = bars_of(await request(client, "BITSTAMP:BTCUSD", "15", len(real) + 12, cs="cs_15"))
    # Every real 15-minute bar's time is one of ours; ours run on every 15 minutes.
    assert {b.time for b in real} <= {b.time for b in ours}
    assert {b.time - a.time for a, b in pairwise(ours)} == {900}
    # "2;" makes Monday the first day of the week: weeks open Monday 00:00 UTC, months on
    # the 1st at 00:00 UTC.
    weeks = bars_of(await request(client, "BITSTAMP:BTCUSD", "1W", 20, cs="cs_w"))
    months = bars_of(await request(client, "BITSTAMP:BTCUSD", "1M", 12, cs="cs_m"))
    assert {utc(b.time).strftime("%a %H:%M") for b in weeks} == {"Mon 00:00"}
    assert {utc(b.time).strftime("%d %H:%M") for b in months} == {"01 00:00"}


async def test_an_illiquid_market_has_minutes_without_a_bar_as_the_capture(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    # The sds_4 capture: a market trading around the clock with 1,020 to 1,341 one-minute
    # bars a day of 1,440. TVC:DXY is that market in the catalogue.
    real = clock_times(bars("timescale_update_1m_sds4_24h_2023.txt"), NEW_YORK)
    real_counts = [len(day) for day in real.values()]
    sim = await simulator_factory(now=TVR_2023, tick_speed=0.0)
    ours = bars_of(await request(await raw_client(sim), "TVC:DXY", "1", 5000))
    counts = [len(day) for day in whole_days(clock_times(ours, NEW_YORK))]
    assert counts and all(min(real_counts) <= n <= max(real_counts) for n in counts), counts
