"""Bars built from live ticks: periods, volume, late ticks, flushing and restarts.

Every stream is checked against a naive reference written here: for each tick, its bar
open comes from ``domain.bar_time.bar_period`` directly; ticks are grouped by bar and the
bar is (first, max, min, last, summed volume increases).
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.aggregation import CompletedBar, SymbolBarAggregator
from domain.bar_time import bar_period
from domain.bars import Bar
from domain.intervals import ALL_INTERVALS, Interval
from domain.quotes import QuoteTick, trade_of
from domain.sessions import TradingSession

NASDAQ = TradingSession("America/New_York", "0930-1600")
CME = TradingSession("America/Chicago", "1700-1600:23456")
CRYPTO = TradingSession("Etc/UTC", "24x7")
TOKYO = TradingSession("Asia/Tokyo", "0900-1130,1230-1530")


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


# --- the independent reference -------------------------------------------------------------


def reference_volume_increases(ticks: Sequence[QuoteTick]) -> list[float | None]:
    """Per tick: the increase of the cumulative volume (in-order streams only)."""
    increases: list[float | None] = []
    previous: float | None = None
    for tick in ticks:
        volume = tick.cumulative_volume
        if volume is None:
            increases.append(None)
            continue
        if previous is None:
            increases.append(0.0)
        elif volume >= previous:
            increases.append(volume - previous)
        else:
            increases.append(volume)
        previous = volume
    return increases


def reference_bars(
    ticks: Sequence[QuoteTick], interval: Interval, session: TradingSession
) -> list[Bar]:
    groups: dict[int, list[tuple[QuoteTick, float | None]]] = {}
    for tick, increase in zip(ticks, reference_volume_increases(ticks), strict=True):
        period = bar_period(math.floor(tick.time), interval, session)
        if period is not None:
            groups.setdefault(period[0], []).append((tick, increase))
    bars = []
    for opens in sorted(groups):
        members = groups[opens]
        prices = [tick.price for tick, _ in members]
        known = [inc for _, inc in members if inc is not None]
        volume: float | None = None
        for inc in known:
            volume = inc if volume is None else volume + inc
        bars.append(Bar(opens, prices[0], max(prices), min(prices), prices[-1], volume))
    return bars


# --- streams --------------------------------------------------------------------------------


def random_stream(
    rng: random.Random,
    start: int,
    end: int,
    gaps: tuple[float, float],
    resets_at: Iterable[int] = (),
    *,
    volume_step: tuple[int, int] = (0, 400),
) -> list[QuoteTick]:
    """Ticks from ``start`` to ``end``; the cumulative volume restarts at each reset time."""
    resets = sorted(resets_at)
    ticks: list[QuoteTick] = []
    moment, price, cumulative = float(start), 100.0, 5_000.0
    while moment < end:
        if resets and moment >= resets[0]:
            while resets and moment >= resets[0]:
                resets.pop(0)
            cumulative = float(rng.randint(1, 300))
        else:
            cumulative += rng.randint(*volume_step)
        price = round(max(1.0, price + rng.gauss(0, 0.4)), 2)
        ticks.append(QuoteTick(round(moment, 3), price, cumulative))
        moment += rng.uniform(*gaps)
    return ticks


@dataclass(frozen=True)
class Case:
    name: str
    session: TradingSession
    ticks: list[QuoteTick]


def nasdaq_across_dst() -> Case:
    """Friday 2024-03-08 (EST) and Monday 2024-03-11 (EDT), 08:00-17:30 New York each day."""
    rng = random.Random(7)
    ticks = random_stream(
        rng, utc("2024-03-08T13:00"), utc("2024-03-08T22:30"), (3, 40), [utc("2024-03-08T13:00")]
    )
    ticks += random_stream(
        rng, utc("2024-03-11T12:00"), utc("2024-03-11T21:30"), (3, 40), [utc("2024-03-11T12:00")]
    )
    return Case("nasdaq-dst", NASDAQ, ticks)


def cme_overnight() -> Case:
    """Friday afternoon to Monday evening in Chicago, across the DST change on Sunday."""
    rng = random.Random(11)
    resets = [utc("2024-03-08T23:00"), utc("2024-03-10T22:00"), utc("2024-03-11T22:00")]
    ticks = random_stream(rng, utc("2024-03-08T19:00"), utc("2024-03-12T00:30"), (20, 240), resets)
    return Case("cme-overnight", CME, ticks)


def crypto_month_end() -> Case:
    """Sunday 2024-03-31 to Monday 2024-04-01 UTC: a day, week and month boundary."""
    rng = random.Random(13)
    ticks = random_stream(
        rng,
        utc("2024-03-31T19:00"),
        utc("2024-04-01T05:00"),
        (2, 30),
        [utc("2024-04-01T00:00")],
        volume_step=(0, 3),
    )
    ticks = [QuoteTick(t.time, t.price, (t.cumulative_volume or 0) / 7) for t in ticks]
    return Case("crypto-month-end", CRYPTO, ticks)


def tokyo_lunch_break() -> Case:
    rng = random.Random(17)
    ticks = random_stream(
        rng, utc("2024-03-10T23:30"), utc("2024-03-11T07:00"), (5, 60), [utc("2024-03-10T23:30")]
    )
    return Case("tokyo-lunch", TOKYO, ticks)


CASES = [nasdaq_across_dst(), cme_overnight(), crypto_month_end(), tokyo_lunch_break()]


def run(aggregator: SymbolBarAggregator, ticks: Iterable[QuoteTick]) -> dict[Interval, list[Bar]]:
    """Feed ``ticks`` and return the emitted bars per interval."""
    emitted: dict[Interval, list[Bar]] = {}
    for tick in ticks:
        for interval, bar in aggregator.on_tick(tick):
            emitted.setdefault(interval, []).append(bar)
    return emitted


def run_to_end(
    aggregator: SymbolBarAggregator, ticks: Iterable[QuoteTick]
) -> dict[Interval, list[Bar]]:
    """Feed ``ticks``, then flush everything still in progress."""
    emitted = run(aggregator, ticks)
    for interval, bar in aggregator.flush_due(math.inf):
        emitted.setdefault(interval, []).append(bar)
    return emitted


# --- bars equal the reference ----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bars_from_a_tick_stream_equal_the_reference_for_every_interval(case: Case) -> None:
    emitted = run_to_end(SymbolBarAggregator(case.session), case.ticks)
    for interval in ALL_INTERVALS:
        expected = reference_bars(case.ticks, interval, case.session)
        assert expected, f"the {case.name} stream should give {interval} bars"
        assert emitted.get(interval, []) == expected, f"{case.name} {interval}"


def test_streamed_bar_keys_are_tradingviews_session_opens() -> None:
    emitted = run_to_end(SymbolBarAggregator(NASDAQ), nasdaq_across_dst().ticks)
    assert [b.time for b in emitted[Interval.D1]] == [
        utc("2024-03-08T14:30"),  # 09:30 EST
        utc("2024-03-11T13:30"),  # 09:30 EDT
    ]
    assert [b.time for b in emitted[Interval.W1]] == [
        utc("2024-03-04T14:30"),  # that week's Monday open, although the first tick is Friday
        utc("2024-03-11T13:30"),
    ]
    assert [b.time for b in emitted[Interval.H1]][:7] == [
        utc(f"2024-03-08T{hour}:30") for hour in range(14, 21)
    ]


def test_crypto_bars_roll_at_midnight_utc_and_the_month() -> None:
    emitted = run_to_end(SymbolBarAggregator(CRYPTO), crypto_month_end().ticks)
    assert [b.time for b in emitted[Interval.D1]] == [utc("2024-03-31"), utc("2024-04-01")]
    assert [b.time for b in emitted[Interval.MN1]] == [utc("2024-03-01"), utc("2024-04-01")]
    assert [b.time for b in emitted[Interval.W1]] == [utc("2024-03-25"), utc("2024-04-01")]


def test_cme_sunday_evening_ticks_build_mondays_daily_bar() -> None:
    emitted = run_to_end(SymbolBarAggregator(CME), cme_overnight().ticks)
    assert [b.time for b in emitted[Interval.D1]] == [
        utc("2024-03-07T23:00"),  # Friday's session opened Thursday 17:00 CST
        utc("2024-03-10T22:00"),  # Monday's opened Sunday 17:00 CDT
        utc("2024-03-11T22:00"),  # Tuesday's
    ]


def test_only_the_configured_intervals_are_built() -> None:
    aggregator = SymbolBarAggregator(CRYPTO, [Interval.M5, Interval.D1])
    emitted = run_to_end(aggregator, crypto_month_end().ticks)
    assert aggregator.intervals == (Interval.M5, Interval.D1)
    assert set(emitted) == {Interval.M5, Interval.D1}


def test_an_aggregator_needs_an_interval() -> None:
    with pytest.raises(ValueError, match="interval"):
        SymbolBarAggregator(CRYPTO, [])


# --- sessions and volume -------------------------------------------------------------------


def test_a_tick_outside_the_session_goes_to_no_bar_but_sets_the_volume_baseline() -> None:
    aggregator = SymbolBarAggregator(NASDAQ, [Interval.M1, Interval.D1])
    assert aggregator.on_tick(QuoteTick(utc("2024-03-11T13:00"), 50.0, 1_000)) == ()
    assert aggregator.current_bars() == {}
    aggregator.on_tick(QuoteTick(utc("2024-03-11T13:30:05"), 51.0, 1_500))
    bar = aggregator.current_bar(Interval.M1)
    assert bar == Bar(utc("2024-03-11T13:30"), 51.0, 51.0, 51.0, 51.0, 500.0)


def test_a_tick_after_the_close_completes_the_days_bars() -> None:
    aggregator = SymbolBarAggregator(NASDAQ, [Interval.M1, Interval.H1, Interval.D1])
    aggregator.on_tick(QuoteTick(utc("2024-03-11T19:59:30"), 10.0, 100))
    completed = aggregator.on_tick(QuoteTick(utc("2024-03-11T20:00:01"), 11.0, 150))
    assert [(c.interval, c.bar.time) for c in completed] == [
        (Interval.M1, utc("2024-03-11T19:59")),
        (Interval.H1, utc("2024-03-11T19:30")),
        (Interval.D1, utc("2024-03-11T13:30")),
    ]
    assert all(c.bar.close == 10.0 for c in completed)
    assert aggregator.current_bars() == {}


def test_volume_is_the_increase_of_the_cumulative_figure_restarting_when_it_falls() -> None:
    aggregator = SymbolBarAggregator(CRYPTO, [Interval.D1])
    base = utc("2024-04-01T10:00")
    for offset, cumulative in [(0, 900), (1, 1_000), (2, 1_250), (3, 40), (4, 100)]:
        aggregator.on_tick(QuoteTick(base + offset, 1.0, cumulative))
    bar = aggregator.current_bar(Interval.D1)
    assert bar is not None
    assert bar.volume == 0 + 100 + 250 + 40 + 60


def test_the_first_tick_ever_is_only_a_volume_baseline() -> None:
    aggregator = SymbolBarAggregator(CRYPTO, [Interval.M1])
    aggregator.on_tick(QuoteTick(utc("2024-04-01T10:00:01"), 1.0, 5_000_000))
    first = aggregator.current_bar(Interval.M1)
    assert first is not None
    assert first.volume == 0.0
    aggregator.on_tick(QuoteTick(utc("2024-04-01T10:00:02"), 1.0, 5_000_007))
    second = aggregator.current_bar(Interval.M1)
    assert second is not None
    assert second.volume == 7.0


@pytest.mark.parametrize("placeholder", [1e100, math.inf, math.nan, -5.0, None])
def test_placeholder_volume_gives_bars_without_volume(placeholder: float | None) -> None:
    aggregator = SymbolBarAggregator(NASDAQ, [Interval.M1, Interval.D1])
    base = utc("2024-03-11T14:00")
    for offset in range(0, 180, 20):
        aggregator.on_tick(QuoteTick(base + offset, 100.0 + offset, placeholder))
    completed = aggregator.flush_due(math.inf)
    assert completed
    assert all(c.bar.volume is None for c in completed)


def test_a_quote_with_the_1e100_placeholder_becomes_a_tick_without_volume() -> None:
    tick = QuoteTick.from_quote_values(
        {"lp": 14528.36, "lp_time": 1686427872, "volume": 1e100}, received_at=1686427875.0
    )
    assert tick == QuoteTick(1686427872, 14528.36, None)
    assert QuoteTick.from_quote_values(
        {"lp": 1.5, "lp_time": 2, "volume": 3}, received_at=9.0
    ) == QuoteTick(2, 1.5, 3.0)


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"lp_time": 5},
        {"lp": "1", "lp_time": 5},
        {"lp": True, "lp_time": 5},
        {"lp": math.nan, "lp_time": 5},
        {"lp": math.inf, "lp_time": 5},
    ],
)
def test_quote_values_without_a_price_give_no_tick(values: dict[str, object]) -> None:
    assert QuoteTick.from_quote_values(values, received_at=7.0) is None
    assert trade_of(values, values, 7.0) is None


@pytest.mark.parametrize(
    "values",
    [
        {"lp": 1.0},
        {"lp": 1.0, "lp_time": True},
        {"lp": 1.0, "lp_time": "5"},
        {"lp": 1.0, "lp_time": math.nan},
    ],
)
def test_a_price_without_a_usable_trade_time_ticks_at_the_receipt_time(
    values: dict[str, object],
) -> None:
    """The streamer's rule: ``lp_time`` when TradingView sends it, else when it arrived."""
    assert QuoteTick.from_quote_values(values, received_at=7.0) == QuoteTick(7.0, 1.0, None)
    assert trade_of(values, values, 7.0) == (7.0, 1.0, None)


def test_the_trade_keeps_the_raw_volume_for_the_aggregator_to_judge() -> None:
    placeholder: dict[str, object] = {"lp": 2.0, "lp_time": 3, "volume": 1e100}
    assert trade_of(placeholder, placeholder, 4.0) == (3, 2.0, 1e100)
    text: dict[str, object] = {"lp": 2.0, "lp_time": 3, "volume": "12"}
    assert trade_of(text, text, 4.0) == (3, 2.0, None)


def test_an_update_of_neither_price_time_nor_volume_is_no_trade() -> None:
    values = {"lp": 2.0, "lp_time": 3, "volume": 10.0, "bid": 1.9, "ch": 0.5}
    assert trade_of(values, {"bid": 1.9, "ch": 0.5}, 4.0) is None
    for touched in ("lp", "lp_time", "volume"):
        assert trade_of(values, {touched: values[touched]}, 4.0) == (3, 2.0, 10.0)


# --- late ticks --------------------------------------------------------------------------------


def test_a_tick_older_than_the_bar_in_progress_is_late_and_changes_no_emitted_bar() -> None:
    aggregator = SymbolBarAggregator(CRYPTO, [Interval.M1, Interval.H1])
    aggregator.on_tick(QuoteTick(utc("2024-04-01T10:00:10"), 10.0, 100))
    completed = aggregator.on_tick(QuoteTick(utc("2024-04-01T10:01:10"), 11.0, 110))
    assert [c.bar for c in completed] == [Bar(utc("2024-04-01T10:00"), 10, 10, 10, 10, 0.0)]

    late = aggregator.on_tick(QuoteTick(utc("2024-04-01T10:00:50"), 99.0, 120))

    assert late == ()
    assert aggregator.late_ticks == 1
    assert aggregator.current_bar(Interval.M1) == Bar(
        utc("2024-04-01T10:01"), 11.0, 11.0, 11.0, 11.0, 10.0
    )
    # The hour bar still holds 10:00:50: the tick is late for 1m only, so it counts there.
    assert aggregator.current_bar(Interval.H1) == Bar(
        utc("2024-04-01T10:00"), 10.0, 99.0, 10.0, 11.0, 20.0
    )


def test_a_late_tick_inside_the_bar_updates_high_low_and_volume_but_not_close() -> None:
    aggregator = SymbolBarAggregator(CRYPTO, [Interval.M5])
    base = utc("2024-04-01T10:00")
    aggregator.on_tick(QuoteTick(base + 10, 10.0, 100))
    aggregator.on_tick(QuoteTick(base + 60, 11.0, 130))
    aggregator.on_tick(QuoteTick(base + 30, 7.0, 150))
    aggregator.on_tick(QuoteTick(base + 40, 12.0, 160))
    assert aggregator.current_bar(Interval.M5) == Bar(base, 10.0, 12.0, 7.0, 11.0, 60.0)
    assert aggregator.late_ticks == 0


def test_a_late_tick_with_an_older_cumulative_volume_is_not_a_session_restart() -> None:
    aggregator = SymbolBarAggregator(CRYPTO, [Interval.M5])
    base = utc("2024-04-01T10:00")
    aggregator.on_tick(QuoteTick(base + 10, 10.0, 1_000))
    aggregator.on_tick(QuoteTick(base + 20, 10.0, 1_200))
    aggregator.on_tick(QuoteTick(base + 15, 10.0, 1_100))  # stale reading, arrived late
    aggregator.on_tick(QuoteTick(base + 25, 10.0, 1_250))
    bar = aggregator.current_bar(Interval.M5)
    assert bar is not None
    assert bar.volume == 250.0
    assert aggregator.last_cumulative_volume == 1_250


def test_a_tick_for_a_flushed_period_is_late() -> None:
    aggregator = SymbolBarAggregator(CRYPTO, [Interval.M1])
    aggregator.on_tick(QuoteTick(utc("2024-04-01T10:00:10"), 10.0, 100))
    aggregator.flush_due(utc("2024-04-01T10:01:00"))
    assert aggregator.on_tick(QuoteTick(utc("2024-04-01T10:00:59"), 12.0, 101)) == ()
    assert aggregator.late_ticks == 1
    assert aggregator.current_bars() == {}


# --- flushing --------------------------------------------------------------------------------


def test_flush_due_completes_a_bar_once_its_period_ends_without_ticks() -> None:
    aggregator = SymbolBarAggregator(NASDAQ, [Interval.M5, Interval.H1])
    aggregator.on_tick(QuoteTick(utc("2024-03-11T14:01:00"), 10.0, 100))
    aggregator.on_tick(QuoteTick(utc("2024-03-11T14:02:00"), 12.0, 130))

    assert aggregator.flush_due(utc("2024-03-11T14:04:59")) == ()
    completed = aggregator.flush_due(utc("2024-03-11T14:05:00"))

    assert completed == [
        CompletedBar(Interval.M5, Bar(utc("2024-03-11T14:00"), 10.0, 12.0, 10.0, 12.0, 30.0))
    ]
    assert aggregator.flush_due(utc("2024-03-11T14:06:00")) == ()
    assert set(aggregator.current_bars()) == {Interval.H1}
    completed = aggregator.flush_due(utc("2024-03-11T14:30:00"))
    assert [c.bar.time for c in completed] == [utc("2024-03-11T13:30")]


def test_a_tick_after_a_flush_starts_the_next_bar() -> None:
    aggregator = SymbolBarAggregator(CRYPTO, [Interval.M1])
    aggregator.on_tick(QuoteTick(utc("2024-04-01T10:00:10"), 10.0, 100))
    aggregator.flush_due(utc("2024-04-01T10:05:00"))
    assert aggregator.on_tick(QuoteTick(utc("2024-04-01T10:07:10"), 12.0, 150)) == ()
    assert aggregator.current_bar(Interval.M1) == Bar(
        utc("2024-04-01T10:07"), 12.0, 12.0, 12.0, 12.0, 50.0
    )


# --- snapshot and restore --------------------------------------------------------------------


def _merge(*parts: dict[Interval, list[Bar]]) -> dict[Interval, list[Bar]]:
    merged: dict[Interval, list[Bar]] = {}
    for part in parts:
        for interval, bars in part.items():
            merged.setdefault(interval, []).extend(bars)
    return merged


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("split", [1, 0.3, 0.77])
def test_a_restored_aggregator_resumes_exactly(case: Case, split: float) -> None:
    cut = split if isinstance(split, int) else int(len(case.ticks) * split)
    uninterrupted = SymbolBarAggregator(case.session)
    expected = run_to_end(uninterrupted, case.ticks)

    before = SymbolBarAggregator(case.session)
    first_part = run(before, case.ticks[:cut])
    saved = json.loads(json.dumps(before.snapshot(), allow_nan=False))
    after = SymbolBarAggregator(case.session)
    after.restore(saved)

    assert after.current_bars() == before.current_bars()
    assert _merge(first_part, run_to_end(after, case.ticks[cut:])) == expected
    assert after.snapshot() == uninterrupted.snapshot()


def test_restore_keeps_the_late_tick_floor_of_flushed_intervals() -> None:
    before = SymbolBarAggregator(CRYPTO, [Interval.M1])
    before.on_tick(QuoteTick(utc("2024-04-01T10:00:10"), 10.0, 100))
    before.flush_due(utc("2024-04-01T10:01:00"))
    after = SymbolBarAggregator(CRYPTO, [Interval.M1])
    after.restore(json.loads(json.dumps(before.snapshot())))
    after.on_tick(QuoteTick(utc("2024-04-01T10:00:40"), 10.0, 100))
    assert after.late_ticks == 1
    assert after.current_bars() == {}


def test_restore_drops_a_bar_whose_period_the_session_no_longer_gives() -> None:
    before = SymbolBarAggregator(NASDAQ, [Interval.H1, Interval.M1])
    before.on_tick(QuoteTick(utc("2024-03-11T14:00"), 10.0, 100))
    after = SymbolBarAggregator(TradingSession("America/New_York", "0900-1600"), before.intervals)
    after.restore(before.snapshot())
    assert set(after.current_bars()) == {Interval.M1}


@pytest.mark.parametrize(
    "snapshot",
    [
        {"version": 99},
        {"version": 1},
        {
            "version": 1,
            "last_tick_time": 1,
            "last_cumulative_volume": None,
            "intervals": {"1m": {"period": [1]}},
        },
        {"version": 1, "last_tick_time": 1, "last_cumulative_volume": None, "intervals": []},
        {
            "version": 1,
            "last_tick_time": "yesterday",
            "last_cumulative_volume": None,
            "intervals": {},
        },
    ],
)
def test_restore_rejects_a_snapshot_it_cannot_read_and_keeps_its_state(
    snapshot: dict[str, object],
) -> None:
    aggregator = SymbolBarAggregator(CRYPTO)
    aggregator.on_tick(QuoteTick(utc("2024-04-01T10:00:10"), 10.0, 100))
    before = aggregator.snapshot()
    with pytest.raises(ValueError, match="snapshot"):
        aggregator.restore(snapshot)
    assert aggregator.snapshot() == before


# --- properties --------------------------------------------------------------------------------

_PROPERTY_SESSIONS = {"nasdaq": NASDAQ, "cme": CME, "crypto": CRYPTO, "tokyo": TOKYO}
_PROPERTY_INTERVALS = (Interval.M1, Interval.M45, Interval.H4, Interval.D1, Interval.W1)


@st.composite
def tick_streams(draw: st.DrawFn) -> tuple[TradingSession, list[QuoteTick]]:
    session = _PROPERTY_SESSIONS[draw(st.sampled_from(sorted(_PROPERTY_SESSIONS)))]
    # Start around a session boundary so streams cross opens, closes and breaks.
    anchor = draw(
        st.sampled_from(
            [
                utc("2024-03-08T14:25"),
                utc("2024-03-08T20:50"),
                utc("2024-03-10T21:50"),
                utc("2024-03-31T23:30"),
                utc("2024-03-11T02:20"),
            ]
        )
    )
    moment: float = anchor + draw(st.integers(-600, 600))
    cumulative: float | None = draw(st.none() | st.floats(0, 1e6))
    ticks = []
    for _ in range(draw(st.integers(1, 60))):
        moment += draw(st.sampled_from([0.0, 0.5, 7.0, 61.0, 600.0, 3_000.0, 40_000.0]))
        price = draw(st.floats(1, 1_000, allow_nan=False))
        step = draw(st.sampled_from(["grow", "grow", "reset", "missing", "placeholder"]))
        reading: float | None
        if step == "placeholder":
            reading = 1e100
        elif step == "missing":
            reading = None
        elif step == "reset" or cumulative is None:
            reading = cumulative = draw(st.floats(0, 1_000))
        else:
            reading = cumulative = cumulative + draw(st.floats(0, 5_000))
        ticks.append(QuoteTick(moment, price, reading))
    return session, ticks


def _clean(ticks: Sequence[QuoteTick]) -> list[QuoteTick]:
    """The ticks with placeholder volumes as the aggregator reads them: missing."""
    return [
        QuoteTick(t.time, t.price, None if t.cumulative_volume == 1e100 else t.cumulative_volume)
        for t in ticks
    ]


@settings(max_examples=150, deadline=None)
@given(tick_streams())
def test_random_streams_give_valid_bars_equal_to_the_reference(
    stream: tuple[TradingSession, list[QuoteTick]],
) -> None:
    session, ticks = stream
    emitted = run_to_end(SymbolBarAggregator(session, _PROPERTY_INTERVALS), ticks)
    for interval in _PROPERTY_INTERVALS:
        bars = emitted.get(interval, [])
        for bar in bars:
            assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
            assert bar.volume is None or bar.volume >= 0
        assert all(a.time < b.time for a, b in itertools.pairwise(bars))
        assert bars == reference_bars(_clean(ticks), interval, session)


@settings(max_examples=100, deadline=None)
@given(tick_streams(), st.randoms(use_true_random=False))
def test_shuffled_streams_never_change_an_emitted_bar(
    stream: tuple[TradingSession, list[QuoteTick]], rng: random.Random
) -> None:
    """Out-of-order delivery: bars stay valid and each period is emitted at most once."""
    session, ticks = stream
    shuffled = list(ticks)
    for index in range(len(shuffled) - 1):
        if rng.random() < 0.3:
            shuffled[index], shuffled[index + 1] = shuffled[index + 1], shuffled[index]
    aggregator = SymbolBarAggregator(session, _PROPERTY_INTERVALS)
    emitted = run_to_end(aggregator, shuffled)
    prices = {t.price for t in ticks}
    for interval, bars in emitted.items():
        periods = (bar_period(math.floor(t.time), interval, session) for t in ticks)
        opens = {period[0] for period in periods if period is not None}
        assert all(not bar.problems() for bar in bars)
        assert all(bar.time in opens for bar in bars)
        assert all({bar.open, bar.high, bar.low, bar.close} <= prices for bar in bars)
        assert all(a.time < b.time for a, b in itertools.pairwise(bars))


def test_the_fast_path_never_consults_the_session_inside_a_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aggregator = SymbolBarAggregator(NASDAQ)
    aggregator.on_tick(QuoteTick(utc("2024-03-11T14:00:00"), 10.0, 100))
    calls: list[int] = []
    original = TradingSession.trading_day_of

    def counting(self: TradingSession, epoch: int) -> tuple[object, tuple[int, int]] | None:
        calls.append(epoch)
        return original(self, epoch)

    monkeypatch.setattr(TradingSession, "trading_day_of", counting)
    for offset in range(1, 50):
        aggregator.on_tick(QuoteTick(utc("2024-03-11T14:00:00") + offset * 0.2, 10.0, 100))
    assert calls == []
