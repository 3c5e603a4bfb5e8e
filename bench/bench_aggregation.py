"""Live quote ticks through the TradingView codec and 13-interval bar aggregation.

The stream is recorded-style: real ``qsd`` frames (``~m~N~m~{"m":"qsd",...}``) of a
NASDAQ stock and a 24x7 crypto pair, interleaved on one socket, one trade every 50-200 ms of
exchange time, with heartbeats every ten seconds. The stock runs from Friday 2024-03-08
15:00 New York, over the weekend and the DST change, into Tuesday; the crypto pair runs
across midnight UTC on 2024-03-31 (a day, week and month boundary).

Metrics (one JSON line each):

* ``streamer_parse_aggregate_ticks_per_s``: frame splitting, JSON parsing, merging the
  partial quote into the symbol's last values, building the tick and aggregating it into
  all 13 intervals. DESIGN.md's streamer target (50,000 ticks/s) also covers flushing the
  state, which the streamer benchmark adds; this one has no I/O at all.
* ``aggregation_13_intervals_ticks_per_s``: the aggregation alone, whose budget is about
  8 µs per tick (125,000 ticks/s).

Run: ``python -m bench.bench_aggregation [--ticks 500000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.tradingview.codec import Message, frame, parse_message
from bench.report import report
from domain.aggregation import SymbolBarAggregator
from domain.intervals import ALL_INTERVALS
from domain.quotes import QuoteTick
from domain.sessions import TradingSession

PARSE_AGGREGATE_TARGET = 50_000.0
AGGREGATE_TARGET = 125_000.0
HEARTBEAT_EVERY_S = 10.0


@dataclass(frozen=True)
class Instrument:
    name: str
    session: TradingSession
    start: datetime
    price: float
    volume_step: tuple[float, float]


AAPL = Instrument(
    "NASDAQ:AAPL",
    TradingSession("America/New_York", "0930-1600"),
    datetime(2024, 3, 8, 20, 0, tzinfo=UTC),  # 15:00 New York
    172.0,
    (1.0, 400.0),
)
BTCUSDT = Instrument(
    "BINANCE:BTCUSDT",
    TradingSession("Etc/UTC", "24x7"),
    datetime(2024, 3, 31, 19, 0, tzinfo=UTC),
    70_000.0,
    (0.0001, 0.4),
)


def _trades(instrument: Instrument, count: int, rng: random.Random) -> Iterator[QuoteTick]:
    """``count`` trades inside the instrument's sessions; the volume restarts each session."""
    session = instrument.session
    moment = instrument.start.timestamp()
    price, cumulative = instrument.price, 0.0
    window: tuple[int, int] | None = None
    produced = 0
    while produced < count:
        if window is None or not window[0] <= moment < window[1]:
            found = session.trading_day_of(int(moment))
            if found is None:
                moment += 60.0  # closed: wait for the next session
                continue
            if window is not None and found[1] != window:
                cumulative = 0.0
            window = found[1]
        price = round(max(0.01, price * (1 + rng.gauss(0, 0.0002))), 2)
        cumulative = round(cumulative + rng.uniform(*instrument.volume_step), 4)
        yield QuoteTick(int(moment), price, cumulative)
        produced += 1
        moment += rng.uniform(0.05, 0.2)


def _qsd(name: str, tick: QuoteTick, change: float) -> str:
    values = {
        "lp": tick.price,
        "lp_time": tick.time,
        "volume": tick.cumulative_volume,
        "ch": change,
        "chp": round(change / tick.price * 100, 2),
    }
    payload = {"m": "qsd", "p": ["qs_benchstream01", {"n": name, "s": "ok", "v": values}]}
    return frame(json.dumps(payload, separators=(",", ":")))


def recorded_stream(total: int, seed: int = 20240308) -> tuple[list[str], int]:
    """Websocket messages of ``total`` trades over both instruments, and the heartbeats sent."""
    rng = random.Random(seed)
    half = total // 2
    stock = _trades(AAPL, half, rng)
    crypto = _trades(BTCUSDT, total - half, rng)
    messages: list[str] = []
    heartbeats = 0
    next_heartbeat = AAPL.start.timestamp() + HEARTBEAT_EVERY_S
    for stock_tick, crypto_tick in zip(stock, crypto, strict=True):
        messages.append(_qsd(AAPL.name, stock_tick, stock_tick.price - AAPL.price))
        messages.append(_qsd(BTCUSDT.name, crypto_tick, crypto_tick.price - BTCUSDT.price))
        if stock_tick.time >= next_heartbeat:
            heartbeats += 1
            messages.append(frame(f"~h~{heartbeats}"))
            next_heartbeat = stock_tick.time + HEARTBEAT_EVERY_S
    return messages, heartbeats


def _aggregators() -> dict[str, SymbolBarAggregator]:
    return {
        AAPL.name: SymbolBarAggregator(AAPL.session, ALL_INTERVALS),
        BTCUSDT.name: SymbolBarAggregator(BTCUSDT.session, ALL_INTERVALS),
    }


def parse_and_aggregate(
    messages: Sequence[str], aggregators: dict[str, SymbolBarAggregator]
) -> tuple[int, int]:
    """What the streamer does per message, minus I/O. Returns (ticks, completed bars)."""
    quotes: dict[str, dict[str, Any]] = {}
    ticks = completed = 0
    clock = time.time
    for message in messages:
        received = clock()
        for payload in parse_message(message):
            if not isinstance(payload, Message) or payload.method != "qsd":
                continue
            data = payload.params[1]
            name = data["n"]
            last = quotes.get(name)
            if last is None:
                last = quotes[name] = {}
            last.update(data["v"])  # qsd carries only the changed fields
            tick = QuoteTick.from_quote_values(last, received)
            if tick is None:
                continue
            ticks += 1
            completed += len(aggregators[name].on_tick(tick))
    return ticks, completed


def aggregate_only(
    ticks: Sequence[tuple[str, QuoteTick]], aggregators: dict[str, SymbolBarAggregator]
) -> int:
    completed = 0
    for name, tick in ticks:
        completed += len(aggregators[name].on_tick(tick))
    return completed


def _decoded(messages: Sequence[str]) -> list[tuple[str, QuoteTick]]:
    result = []
    for message in messages:
        for payload in parse_message(message):
            if isinstance(payload, Message):
                data = payload.params[1]
                tick = QuoteTick.from_quote_values(data["v"], 0.0)
                if tick is not None:
                    result.append((str(data["n"]), tick))
    return result


def _rate(count: int, seconds: Sequence[float]) -> float:
    return count / statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ticks", type=int, default=500_000)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()

    messages, _ = recorded_stream(options.ticks)
    decoded = _decoded(messages)

    timings: list[float] = []
    for _ in range(options.repeats):
        aggregators = _aggregators()
        started = time.perf_counter()
        ticks, completed = parse_and_aggregate(messages, aggregators)
        timings.append(time.perf_counter() - started)
        if ticks != options.ticks or completed == 0:
            raise SystemExit(f"expected {options.ticks} ticks, got {ticks} ({completed} bars)")
        if any(a.late_ticks for a in aggregators.values()):
            raise SystemExit("the recorded stream is in order, yet ticks were counted late")
    report(
        "streamer_parse_aggregate_ticks_per_s",
        _rate(ticks, timings),
        "ticks/s",
        PARSE_AGGREGATE_TARGET,
    )

    timings = []
    for _ in range(options.repeats):
        aggregators = _aggregators()
        started = time.perf_counter()
        aggregate_only(decoded, aggregators)
        timings.append(time.perf_counter() - started)
    report(
        "aggregation_13_intervals_ticks_per_s",
        _rate(len(decoded), timings),
        "ticks/s",
        AGGREGATE_TARGET,
    )


if __name__ == "__main__":
    main()
