"""A recorded quote stream, as TradingView frames it, through the streamer's book: the bars
of all 13 intervals equal an independent recomputation, across the US switch to summer
time (2024-03-10) and every session open and close, with volume from the increases of the
cumulative figure.

The stream is NASDAQ:AAPL from Thursday 2024-03-07 to Tuesday 2024-03-12 (New York
09:30-16:00: 14:30 UTC before the switch, 13:30 UTC after), with pre- and after-market
trades (no bar), book-only updates (no tick), volume-only updates (a tick at the last
trade) and the cumulative volume restarting at each session.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from adapters.tradingview import codec
from domain.bar_time import bar_period
from domain.bars import Bar
from domain.intervals import ALL_INTERVALS, Interval
from domain.sessions import TradingSession
from domain.symbols import Symbol
from streamer.book import LiveBook
from tests.qsd import deliver

AAPL = Symbol("NASDAQ", "AAPL")
NASDAQ = TradingSession("America/New_York", "0930-1600")
QS = "qs_recorded"
START = int(datetime(2024, 3, 7, 12, 0, tzinfo=UTC).timestamp())
END = int(datetime(2024, 3, 12, 22, 0, tzinfo=UTC).timestamp())

Update = dict[str, Any]
Tick = tuple[float, float, float | None]


def recorded_updates(seed: int = 11) -> Iterator[Update]:
    """Partial ``qsd`` values in time order, roughly every 4 minutes of exchange time."""
    rng = random.Random(seed)
    price, volume, day = 172.0, 0.0, None
    moment = START
    yield {"lp": price, "lp_time": moment, "volume": volume, "bid": 171.9, "ask": 172.1}
    while moment < END:
        moment += rng.randint(20, 480)
        local_day = datetime.fromtimestamp(moment, NASDAQ.zone).date()
        if local_day != day:  # a new session's count starts low
            day, volume = local_day, float(rng.randint(1, 50))
        kind = rng.random()
        if kind < 0.1:
            yield {"bid": round(price - 0.05, 2), "ask": round(price + 0.05, 2)}
            continue
        volume += rng.randint(0, 5000)
        if kind < 0.2:
            yield {"volume": volume}
            continue
        price = round(price * (1 + rng.uniform(-0.002, 0.002)), 2)
        update: Update = {"lp": price, "lp_time": moment, "ch": round(price - 172.0, 2)}
        if kind > 0.3:
            update["volume"] = volume
        yield update


def websocket_messages(updates: list[Update]) -> Iterator[str]:
    """The updates as TradingView sends them: framed, a few frames per websocket message."""
    frames = [codec.encode("qsd", [QS, {"n": AAPL.key, "s": "ok", "v": u}]) for u in updates]
    for start in range(0, len(frames), 3):
        yield "".join(frames[start : start + 3])


def expected_ticks(updates: list[Update]) -> list[Tick]:
    """Merge by hand: an update touching the trade makes a tick of the merged values."""
    state: Update = {}
    ticks: list[Tick] = []
    for update in updates:
        state.update(update)
        if {"lp", "lp_time", "volume"} & update.keys():
            ticks.append((state["lp_time"], state["lp"], state.get("volume")))
    return ticks


def reference_bars(ticks: list[Tick], interval: Interval) -> list[Bar]:
    """Bars from ``bar_period`` alone: first, max, min, last price, summed volume increases."""
    bars: dict[int, list[Any]] = {}
    previous: float | None = None
    for time, price, cumulative in ticks:
        increase: float | None = None
        if cumulative is not None:
            increase = (
                0.0
                if previous is None
                else (cumulative - previous if cumulative >= previous else cumulative)
            )
            previous = cumulative
        period = bar_period(int(time), interval, NASDAQ)
        if period is None:
            continue
        bar = bars.get(period[0])
        if bar is None:
            bars[period[0]] = [price, price, price, price, increase]
            continue
        bar[1], bar[2], bar[3] = max(bar[1], price), min(bar[2], price), price
        if increase is not None:
            bar[4] = increase if bar[4] is None else bar[4] + increase
    return [Bar(t, *values) for t, values in sorted(bars.items())]


def test_a_recorded_stream_builds_the_bars_of_every_interval() -> None:
    updates = list(recorded_updates())
    recorded: list[Tick] = []
    book = LiveBook(ALL_INTERVALS, observer=lambda _s, t, p, v: recorded.append((t, p, v)))
    book.add(AAPL, NASDAQ)
    for message in websocket_messages(updates):
        for payload in codec.parse_message(message):
            assert isinstance(payload, codec.Message)
            assert deliver(book, payload.params, 0.0) is None

    ticks = expected_ticks(updates)
    assert recorded == ticks
    feed = book.feed(AAPL)
    assert feed is not None
    completed = book.take_completed()
    current = feed.aggregator.current_bars()
    for interval in ALL_INTERVALS:
        built = [p.bar for p in completed if p.key.interval is interval]
        if interval in current:
            built.append(current[interval])
        expected = reference_bars(ticks, interval)
        assert [b.time for b in built] == [b.time for b in expected], interval
        for got, want in zip(built, expected, strict=True):
            assert got.open == want.open and got.close == want.close, (interval, got.time)
            assert got.high == want.high and got.low == want.low, (interval, got.time)
            assert got.volume is not None and want.volume is not None
            assert abs(got.volume - want.volume) < 1e-6, (interval, got.time)

    daily = [b.time for b in reference_bars(ticks, Interval.D1)]
    opens = [datetime.fromtimestamp(t, UTC).strftime("%m-%d %H:%M") for t in daily]
    assert opens == ["03-07 14:30", "03-08 14:30", "03-11 13:30", "03-12 13:30"]
    hourly = reference_bars(ticks, Interval.H1)
    assert {datetime.fromtimestamp(b.time, NASDAQ.zone).minute for b in hourly} == {30}
    assert len(completed) > 100
