"""The streamer end to end: the TradingView simulator over real websockets, a real Redis
(``redis_url``) and a SQLite bar store, controlled through the quote use cases.

The simulator's quote clock runs 150 times faster than real time (a 1-minute bar every
0.4 s) and sends an update every 10 ms. Every tick the streamer applies is recorded
before aggregation; the completed 1m and 5m bars in the store must equal an independent
recomputation from those ticks: none lost, none duplicated, across dropped connections
and restarts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from adapters.events.in_process import InProcessEventBus
from adapters.stores.sqlite_store import SqliteBarStore
from application.quotes import QuoteService
from config.settings import Settings
from domain.bars import Bar, SeriesKey
from domain.events import BarCompleted, DomainEvent
from domain.intervals import Interval
from domain.symbols import Symbol
from streamer.config import StreamerConfig
from streamer.service import Streamer
from tests.fixtures.redis_server import RedisServer
from tests.fixtures.simulator import SimulatorFactory
from wiring.services import Services
from wiring.streamer import streamer_parts

BTC = Symbol("BINANCE", "BTCUSDT")
ETH = Symbol("BINANCE", "ETHUSDT")
WAIT = 20.0
"""Seconds a test waits for a condition before failing."""

FAST_SIMULATOR = {"quote_interval": 0.01, "tick_speed": 150.0}
TEST_CONFIG = StreamerConfig(
    intervals=(Interval.M1, Interval.M5, Interval.H1, Interval.D1),
    flush_interval=0.05,
    snapshot_interval=0.5,
    status_interval=0.5,
    reconcile_interval=0.5,
    backoff_base=0.01,
    backoff_cap=0.1,
    healthy_after=1.0,
    resolve_timeout=2.0,
    health_port=0,
    health_host="127.0.0.1",
    metrics_interval=0,
)

Tick = tuple[float, float, float | None]


async def eventually(predicate: Callable[[], bool], what: str, within: float = WAIT) -> None:
    """Wait until ``predicate()`` holds, checking every 20 ms, for at most ``within`` s."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g}s waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Recorder:
    """Every tick the streamers applied, per symbol, in order, and every event."""

    ticks: dict[Symbol, list[Tick]] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)

    def tick(self, symbol: Symbol, time: float, price: float, volume: float | None) -> None:
        self.ticks.setdefault(symbol, []).append((time, price, volume))

    def completed(self, key: SeriesKey) -> list[BarCompleted]:
        return [e for e in self.events if isinstance(e, BarCompleted) and e.key == key]


def recompute(ticks: list[Tick], step: int) -> tuple[list[Bar], Bar | None]:
    """Bars of a 24x7 symbol at UTC multiples of ``step`` seconds, from ticks in order:
    the completed bars and the one in progress. Volume is the increase of the cumulative
    figure (the first reading is the baseline; a fall starts a new session's count)."""
    bars: list[list[float]] = []
    last_volume: float | None = None
    for time_, price, cumulative in ticks:
        delta: float | None = None
        if cumulative is not None:
            if last_volume is None:
                delta = 0.0
            elif cumulative >= last_volume:
                delta = cumulative - last_volume
            else:
                delta = cumulative
            last_volume = cumulative
        start = int(time_) // step * step
        if bars and bars[-1][0] == start:
            bar = bars[-1]
            bar[2], bar[3], bar[4] = max(bar[2], price), min(bar[3], price), price
            if delta is not None:
                bar[5] = delta if bar[5] is None else bar[5] + delta
        else:
            assert not bars or start > bars[-1][0], "ticks of one symbol arrive in time order"
            bars.append([start, price, price, price, price, delta])  # type: ignore[list-item]
    made = [Bar(int(b[0]), b[1], b[2], b[3], b[4], b[5]) for b in bars]
    return made[:-1], (made[-1] if made else None)


def assert_same_bars(stored: list[Bar], expected: list[Bar]) -> None:
    assert [b.time for b in stored] == [b.time for b in expected]
    for got, want in zip(stored, expected, strict=True):
        assert (got.open, got.high, got.low, got.close) == (
            want.open,
            want.high,
            want.low,
            want.close,
        ), got.time
        assert got.volume == pytest.approx(want.volume, rel=1e-9, abs=1e-9), got.time


@dataclass
class Harness:
    settings: Settings
    services: Services
    store: SqliteBarStore
    recorder: Recorder
    config: StreamerConfig = TEST_CONFIG

    @property
    def quotes(self) -> QuoteService:
        return self.services.quotes

    @asynccontextmanager
    async def streamer(self, config: StreamerConfig | None = None) -> AsyncIterator[Streamer]:
        """A running streamer (resumed, loops started); stopped cleanly on exit."""
        bus = InProcessEventBus()
        bus.subscribe(self.recorder.events.append)
        parts = streamer_parts(self.services, store=self.store, events=bus)
        streamer = Streamer(config or self.config, parts, observer=self.recorder.tick)
        stop = asyncio.Event()
        task = asyncio.create_task(streamer.run(stop))
        try:
            async with asyncio.timeout(WAIT):
                ready = asyncio.ensure_future(streamer.ready.wait())
                await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
                if task.done():
                    task.result()
            yield streamer
        finally:
            stop.set()
            async with asyncio.timeout(WAIT):
                await task

    def stored(self, symbol: Symbol, interval: Interval) -> list[Bar]:
        return self.store.get_bars(SeriesKey(symbol, interval))


@pytest.fixture
def harness_factory(tmp_path: Path, redis_url: str) -> Iterator[Callable[[str], Harness]]:
    made: list[Harness] = []

    def make(url: str) -> Harness:
        settings = Settings(data_dir=tmp_path, tradingview_url=url, redis_url=redis_url)
        harness = Harness(
            settings,
            Services(settings),
            SqliteBarStore(settings.sqlite_path),
            Recorder(),
        )
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.services.close()
        harness.store.close()


async def test_subscribe_then_read_quotes_bars_and_status(
    simulator_factory: SimulatorFactory, harness_factory: Callable[[str], Harness]
) -> None:
    simulator = await simulator_factory(**FAST_SIMULATOR)
    harness = harness_factory(simulator.url)
    quotes = harness.quotes
    quotes.subscribe(Symbol("binance", "btcusdt"))
    quotes.subscribe(Symbol("BINANCE", "ETHUSDT"))
    quotes.start()
    async with harness.streamer() as streamer:
        await eventually(lambda: quotes.status().connected, "the streamer to connect")
        await eventually(
            lambda: len(quotes.all_latest()) == 2, "latest quotes of both subscriptions"
        )
        latest = quotes.latest(Symbol("BINANCE", "BTCUSDT"))
        assert latest.symbol == BTC
        assert latest.last_price is not None and latest.timestamp is not None
        assert latest.bid is not None and latest.ask is not None and latest.bid < latest.ask
        assert latest.prev_close is not None and latest.change is not None

        current = quotes.current_bar(Symbol("BINANCE", "BTCUSDT"), Interval.parse("1m"))
        bar = current.bar
        assert current.interval is Interval.M1 and bar.low <= bar.close <= bar.high
        assert bar.time % 60 == 0

        status = quotes.status()
        assert status.running and status.connected
        assert status.subscription_count == 2
        assert status.active_symbols == ("BINANCE:BTCUSDT", "BINANCE:ETHUSDT")
        assert status.last_tick_at is not None

        healthy, details = streamer.check_health()
        assert healthy, details

        quotes.unsubscribe(Symbol("BINANCE", "ETHUSDT"))
        await eventually(
            lambda: [q.symbol for q in quotes.all_latest()] == [BTC],
            "the unsubscribed symbol to leave the quotes",
        )
        await eventually(
            lambda: quotes.status().active_symbols == ("BINANCE:BTCUSDT",),
            "the unsubscribed symbol to leave the active ones",
        )
        await eventually(
            lambda: simulator.stats.messages_received["quote_remove_symbols"] == 1,
            "quote_remove_symbols to reach TradingView",
        )


async def test_repeated_drops_lose_and_duplicate_no_completed_bar(
    simulator_factory: SimulatorFactory, harness_factory: Callable[[str], Harness]
) -> None:
    simulator = await simulator_factory(
        quote_interval=0.01, tick_speed=150.0, drop_after_messages=80
    )
    harness = harness_factory(simulator.url)
    harness.quotes.subscribe(Symbol("BINANCE", "BTCUSDT"))
    harness.quotes.subscribe(Symbol("BINANCE", "ETHUSDT"))
    harness.quotes.start()
    async with harness.streamer() as streamer:
        await eventually(
            lambda: (
                simulator.stats.connections_dropped >= 4
                and len(harness.stored(BTC, Interval.M5)) >= 1
            ),
            "4 dropped connections and a completed 5m bar",
        )
        dropped = streamer.feed.reconnects
        await simulator.drop_all()
        await eventually(
            lambda: streamer.feed.reconnects > dropped and streamer.feed.connected,
            "a reconnect after drop_all",
        )
    for symbol in (BTC, ETH):
        for interval, step in ((Interval.M1, 60), (Interval.M5, 300)):
            expected, in_progress = recompute(harness.recorder.ticks[symbol], step)
            stored = harness.stored(symbol, interval)
            assert_same_bars(stored, expected)
            events = harness.recorder.completed(SeriesKey(symbol, interval))
            assert sorted(e.bar.time for e in events) == [b.time for b in stored]
            assert in_progress is not None
    assert len(harness.stored(BTC, Interval.M1)) >= 5
    assert streamer.book.completed_count == 0


async def test_restart_resumes_subscriptions_and_bars_in_progress(
    simulator_factory: SimulatorFactory, harness_factory: Callable[[str], Harness]
) -> None:
    simulator = await simulator_factory(**FAST_SIMULATOR)
    harness = harness_factory(simulator.url)
    harness.quotes.subscribe(Symbol("BINANCE", "BTCUSDT"))
    harness.quotes.start()
    async with harness.streamer() as first:
        await eventually(
            lambda: len(harness.stored(BTC, Interval.M1)) >= 2, "two completed 1m bars"
        )
    before = first.book.feed(BTC)
    assert before is not None
    hour_before = before.aggregator.current_bar(Interval.H1)
    assert hour_before is not None and hour_before.volume is not None
    ticks_before = len(harness.recorder.ticks[BTC])

    # A new streamer and new API-side objects: only Redis and the files carry over.
    restarted = harness_factory(simulator.url)
    assert restarted.quotes.status().subscription_count == 1
    async with restarted.streamer() as second:
        assert second.resumed
        await eventually(
            lambda: len(restarted.recorder.ticks.get(BTC, [])) >= 20, "ticks after the restart"
        )
        await eventually(
            lambda: len(restarted.stored(BTC, Interval.M1)) >= 4, "more completed 1m bars"
        )
        feed = second.book.feed(BTC)
        assert feed is not None
        hour_after = feed.aggregator.current_bar(Interval.H1)
    assert hour_after is not None and hour_after.volume is not None
    assert hour_after.time == hour_before.time
    assert hour_after.open == hour_before.open
    assert hour_after.high >= hour_before.high and hour_after.low <= hour_before.low
    assert hour_after.volume > hour_before.volume

    # Across the restart the bars equal a recomputation from every tick of both runs.
    ticks = harness.recorder.ticks[BTC][:ticks_before] + restarted.recorder.ticks[BTC]
    expected, _ = recompute(ticks, 60)
    assert_same_bars(restarted.stored(BTC, Interval.M1), expected)


async def test_redis_outage_is_reported_retried_and_never_corrupts_bars(
    simulator_factory: SimulatorFactory,
    harness_factory: Callable[[str], Harness],
    redis_server: RedisServer,
) -> None:
    simulator = await simulator_factory(**FAST_SIMULATOR)
    harness = harness_factory(simulator.url)
    harness.quotes.subscribe(Symbol("BINANCE", "BTCUSDT"))
    harness.quotes.start()
    try:
        async with harness.streamer() as streamer:
            await eventually(lambda: len(harness.quotes.all_latest()) == 1, "a first quote")
            redis_server.stop()
            await eventually(
                lambda: streamer.flusher.state_outage.failing, "the outage to be noticed"
            )
            stored = len(harness.stored(BTC, Interval.M1))
            await eventually(
                lambda: len(harness.stored(BTC, Interval.M1)) >= stored + 2,
                "bars stored while Redis is down",
            )
            healthy, details = streamer.check_health()
            assert healthy and details["quote_state_ok"] is False
            redis_server.start()
            await eventually(lambda: not streamer.flusher.state_outage.failing, "writes to resume")
            last = harness.recorder.ticks[BTC][-1][0]
            await eventually(
                lambda: (
                    (harness.quotes.latest(Symbol("BINANCE", "BTCUSDT")).timestamp or 0)
                    >= int(last)
                ),
                "the latest quote to catch up",
            )
    finally:
        if redis_server.process is None:
            redis_server.start()
    expected, _ = recompute(harness.recorder.ticks[BTC], 60)
    assert_same_bars(harness.stored(BTC, Interval.M1), expected)


async def test_unknown_symbol_is_reported_and_not_asked_for_again(
    simulator_factory: SimulatorFactory, harness_factory: Callable[[str], Harness]
) -> None:
    simulator = await simulator_factory(**FAST_SIMULATOR)
    harness = harness_factory(simulator.url)
    quotes = harness.quotes
    quotes.subscribe(Symbol("NASDAQ", "NOPE"))
    quotes.subscribe(Symbol("BINANCE", "BTCUSDT"))
    quotes.start()
    async with harness.streamer() as streamer:
        await eventually(
            lambda: "NASDAQ:NOPE" in quotes.status().unknown_symbols, "NOPE to be reported"
        )
        assert quotes.status().active_symbols == ("BINANCE:BTCUSDT",)
        await simulator.drop_all()
        await eventually(
            lambda: streamer.feed.connected and simulator.stats.connections_opened >= 2,
            "a reconnect",
        )
        await eventually(lambda: len(quotes.all_latest()) == 1, "quotes after the reconnect")
        quotes.start()  # a signal: one more reconcile
        with pytest.raises(Exception, match="does not know"):
            quotes.latest(Symbol("NASDAQ", "NOPE"))
    asked = simulator.stats.messages_received["resolve_symbol"]
    assert asked == 2  # NOPE once and BTCUSDT once: never again after the reconnect
