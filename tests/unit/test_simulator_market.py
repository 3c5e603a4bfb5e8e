"""The simulator's data set is one: trades aggregate to minutes, minutes to blocks, blocks to
sessions, and every history bar is the aggregate of exactly the trades inside its period."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from itertools import pairwise
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.bar_time import bar_period
from domain.intervals import Interval
from simulator.catalogue import CATALOGUE
from simulator.history import History
from simulator.market import MINUTE_RESERVE, Market
from simulator.splitting import least_trades, split_bar, trade_prices
from simulator.trades import Agg, Trade, combine

NOW = 1_710_532_800  # Friday 2024-03-15 20:00 UTC
DAY_START = NOW - 86400


@st.composite
def bars(draw: st.DrawFn) -> Agg:
    low = draw(st.integers(1, 10_000))
    high = low + draw(st.integers(0, 5_000))
    open_ = draw(st.integers(low, high))
    close = draw(st.integers(low, high))
    return Agg(open_, high, low, close, draw(st.integers(0, 10**12)))


@given(bars(), st.integers(1, 40), st.integers(0, 2**32))
def test_parts_aggregate_to_exactly_their_bar(parent: Agg, count: int, seed: int) -> None:
    reserve = [min(parent.volume // count, MINUTE_RESERVE)] * count
    parts = split_bar(parent, count, Random(seed), reserve)
    assert len(parts) == count
    assert combine(parts) == parent
    for part, least in zip(parts, reserve, strict=True):
        assert part.low <= min(part.open, part.close) <= max(part.open, part.close) <= part.high
        assert part.volume >= least
    assert all(a.close == b.open for a, b in pairwise(parts))


@given(bars(), st.integers(0, 30), st.integers(0, 2**32))
def test_trade_prices_reach_the_open_close_high_and_low(parent: Agg, more: int, seed: int) -> None:
    count = least_trades(parent) + more
    prices = trade_prices(parent, count, Random(seed))
    assert len(prices) == count
    assert (prices[0], prices[-1]) == (parent.open, parent.close)
    assert (max(prices), min(prices)) == (parent.high, parent.low)


def minute_key(trade: Trade) -> int:
    return trade.time - trade.time % 60


@pytest.mark.parametrize("key", ["BINANCE:BTCUSDT", "NASDAQ:AAPL", "HOSE:VCB", "TVC:DXY"])
def test_a_days_trades_aggregate_to_its_minutes_blocks_and_segments(key: str) -> None:
    market = Market(CATALOGUE[key])
    ordinal = market.day_of(NOW - 3 * 86400)
    assert ordinal is not None
    for segment in market.segments(ordinal):
        blocks = market.blocks(segment)
        assert combine(b.agg for b in blocks) == segment.agg
        for block in blocks:
            minutes = market.minutes(block)
            assert combine(m.agg for m in minutes) == block.agg
            assert all(block.start <= m.start and m.end <= block.end for m in minutes)
            for minute in minutes:
                trades = market.trades(minute)
                assert combine(Agg.of_trade(t) for t in trades) == minute.agg
                assert [t.time for t in trades] == sorted(t.time for t in trades)
                assert all(minute.start <= t.time < minute.end for t in trades)


def test_an_illiquid_market_leaves_minutes_without_a_trade() -> None:
    listing = CATALOGUE["TVC:DXY"]
    history = History()
    rows = history.page(listing, "regular", Interval.M1, end=NOW + 1, count=5000, now=NOW).rows
    per_day: dict[int, int] = defaultdict(int)
    for row in rows:
        period = bar_period(int(row[0]), Interval.D1, listing.trading_session)
        assert period is not None
        per_day[period[0]] += 1
    whole_days = [per_day[day] for day in sorted(per_day)[1:-1]]
    # As in the sds_4 capture: trading around the clock, with 1,020 to 1,341 bars a day.
    assert len(whole_days) >= 2
    assert all(1020 <= n <= 1341 for n in whole_days), whole_days


@pytest.mark.parametrize(
    ("key", "hours"),
    [
        ("BINANCE:BTCUSDT", "regular"),
        ("BITSTAMP:BTCUSD", "regular"),
        ("NASDAQ:AAPL", "regular"),
        ("NASDAQ:AAPL", "extended"),
        ("TVC:RUT", "regular"),
        ("HOSE:VCB", "regular"),
        ("CME_MINI:ES1!", "regular"),
        ("TSE:7203", "regular"),
    ],
)
def test_every_bar_is_the_aggregate_of_the_minutes_of_its_period(key: str, hours: str) -> None:
    listing = CATALOGUE[key]
    history = History()
    session = listing.session_for(hours)
    minutes = history.page(listing, hours, Interval.M1, end=NOW + 1, count=20_000, now=NOW).rows
    first = minutes[0][0]
    for interval in (Interval.M5, Interval.M45, Interval.H1, Interval.H4, Interval.D1):
        expected: dict[int, list[list[float]]] = defaultdict(list)
        for row in minutes:
            period = bar_period(int(row[0]), interval, session)
            assert period is not None, (interval, row[0])
            expected[period[0]].append(row)
        page = history.page(listing, hours, interval, end=NOW + 1, count=400, now=NOW).rows
        # Bars wholly inside the minutes fetched: each is its minutes' aggregate.
        checked = [row for row in page if row[0] > first + 86400 * 2]
        assert checked, interval
        for row in checked:
            parts = expected.pop(int(row[0]))
            aggregate = [
                row[0],
                parts[0][1],
                max(p[2] for p in parts),
                min(p[3] for p in parts),
                parts[-1][4],
            ]
            assert row[:5] == aggregate, (interval, row[0])
            if listing.has_volume:  # exactly: the digits of the sum of the minutes' digits
                assert Decimal(repr(row[5])) == sum(Decimal(repr(p[5])) for p in parts)
        # No period with minutes lacks its bar.
        assert not [t for t in expected if max(first + 86400 * 2, page[0][0]) < t <= page[-1][0]]
