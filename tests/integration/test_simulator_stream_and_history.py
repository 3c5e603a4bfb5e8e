"""The simulator's quote stream and its history are one data set, over real websockets.

A raw client subscribes to a symbol's quotes and merges every ``qsd`` as TradingView's are
merged; each update that touches the trade (``lp``, ``lp_time``, ``volume``) is a tick at
``lp_time``. The ticks of each minute, aggregated here with plain first / max / min / last
and the sum of the increases of the cumulative ``volume`` (in decimal, digit for digit),
must equal that minute's 1-minute history bar, key and values: the minute the stream
started in and the one in progress when it stopped excepted, both only partly seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from tests.fixtures.simulator import SIMULATOR_NOW, RawClient, RawClientFactory, SimulatorFactory
from tests.simulator_support import bars_of, request, spec

SIMULATED_MINUTES = 5
TICKS = {"lp", "lp_time", "volume"}


@dataclass
class Minute:
    open: float
    high: float
    low: float
    close: float
    volume: Decimal | None


@dataclass
class Stream:
    """What a client makes of one symbol's quotes: merged values and minutes of ticks."""

    values: dict[str, Any] = field(default_factory=dict)
    minutes: dict[int, Minute] = field(default_factory=dict)
    volume_only: int = 0
    book_only: int = 0

    def merge(self, update: dict[str, Any]) -> None:
        if set(update) == {"volume"}:
            self.volume_only += 1
        if update and set(update) <= {"bid", "ask", "bid_size", "ask_size"}:
            self.book_only += 1
        previous = self.values.get("volume")
        self.values.update(update)
        if not TICKS & set(update) or "lp" not in self.values:
            return
        price, time = self.values["lp"], self.values["lp_time"]
        volume = self.values.get("volume")
        increase: Decimal | None = None
        if volume is not None and volume != 1e100 and previous is not None:
            increase = Decimal(repr(volume)) - Decimal(repr(previous))
        start = time - time % 60
        bar = self.minutes.get(start)
        if bar is None:
            self.minutes[start] = Minute(price, price, price, price, increase)
            return
        bar.high, bar.low, bar.close = max(bar.high, price), min(bar.low, price), price
        if increase is not None:
            bar.volume = increase if bar.volume is None else bar.volume + increase


async def stream(client: RawClient, name: str, minutes: int) -> Stream:
    """Quotes of ``name`` from their snapshot until ``lp_time`` is ``minutes`` further on."""
    await client.send(("quote_create_session", ["qs_s"]), ("quote_add_symbols", ["qs_s", name]))
    seen = Stream()
    start: int | None = None
    while start is None or seen.values["lp_time"] < start + minutes * 60:
        message = await client.next()
        if message.method == "qsd" and message.params[1]["n"] == name:
            seen.merge(message.params[1]["v"])
            if start is None:
                start = seen.values["lp_time"]
    await client.send(("quote_delete_session", ["qs_s"]))
    return seen


CASES = [
    # Round the clock, with Binance's volume-only updates.
    ("BINANCE:BTCUSDT", "regular", SIMULATOR_NOW),
    # In the post-market: extended-hours trades, in the extended series only.
    ("NASDAQ:AAPL", "extended", SIMULATOR_NOW + 10 * 60),
    # An illiquid market, some minutes without a trade, volume in lots of 100.
    ("HOSE:VCB", "regular", SIMULATOR_NOW - 17 * 3600),
    # An index whose ticks carry no size; its volume comes in millions.
    ("SP:SPX", "regular", SIMULATOR_NOW - 3600),
]


@pytest.mark.parametrize(("symbol", "session", "now"), CASES, ids=[c[0] for c in CASES])
async def test_the_ticks_of_each_minute_are_that_minutes_history_bar(
    simulator_factory: SimulatorFactory,
    raw_client: RawClientFactory,
    symbol: str,
    session: str,
    now: int,
) -> None:
    # 120 simulated seconds a real second, an update every 10 ms: five minutes in ~3 s.
    sim = await simulator_factory(now=now, quote_interval=0.01, tick_speed=120.0)
    client = await raw_client(sim)
    seen = await stream(client, symbol, SIMULATED_MINUTES)
    symbol_spec = spec(symbol, session=session)
    history = bars_of(await request(client, "", "1", 30, symbol_spec=symbol_spec))

    first, last = min(seen.minutes), max(seen.minutes)
    streamed = {t: m for t, m in seen.minutes.items() if first < t < last}
    synced = {bar.time: bar for bar in history if first < bar.time < last}
    assert len(streamed) >= SIMULATED_MINUTES - 2
    assert sorted(streamed) == sorted(synced)  # the same keys: no minute more, none less
    for time, minute in streamed.items():
        bar = synced[time]
        assert (minute.open, minute.high, minute.low, minute.close) == (
            bar.open,
            bar.high,
            bar.low,
            bar.close,
        ), time
        if bar.volume is None:
            assert minute.volume is None, time
        else:  # digit for digit: the ticks' increases add up to the bar's volume exactly
            assert (minute.volume or Decimal(0)) == Decimal(repr(bar.volume)), time
    assert seen.book_only > 0 or symbol == "SP:SPX"  # bid and ask come in updates of their own


async def test_binance_quotes_carry_volume_only_updates(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(quote_interval=0.01, tick_speed=120.0)
    seen = await stream(await raw_client(sim), "BINANCE:BTCUSDT", SIMULATED_MINUTES)
    assert seen.volume_only > 0


async def test_a_regular_series_has_no_bar_of_the_extended_hours_trades(
    simulator_factory: SimulatorFactory, raw_client: RawClientFactory
) -> None:
    sim = await simulator_factory(
        now=SIMULATOR_NOW + 10 * 60, quote_interval=0.01, tick_speed=120.0
    )
    client = await raw_client(sim)
    seen = await stream(client, "NASDAQ:AAPL", 2)
    assert seen.values["current_session"] == "post_market"
    regular = bars_of(await request(client, "NASDAQ:AAPL", "1", 5))
    assert regular[-1].time == SIMULATOR_NOW - 60  # 15:59, the regular session's last minute
    assert min(seen.minutes) > regular[-1].time
