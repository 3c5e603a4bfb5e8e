"""Through PocketQuant: the bars the streamer builds from the simulator's quotes equal the
bars a sync of the same range fetches from its history, key and values.

The simulator over real websockets (its clock 150 times faster than real time), a real
Redis, SQLite stores: the streamer streams a symbol for several simulated minutes and
stores the 1-minute bars it completes; then a sync fetches the same range into a store of
its own. Every streamed bar stored must be the synced bar of its key, digit for digit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from adapters.events.in_process import InProcessEventBus
from adapters.quote_state.factory import quote_service_from_settings
from adapters.stores.sqlite_store import SqliteBarStore
from adapters.tradingview.client import TradingViewHistoryClient
from application.sync import SyncRequest, sync_series
from config.settings import Settings
from domain.bars import Bar, SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol
from streamer.config import StreamerConfig
from streamer.service import Streamer, StreamerParts
from tests.fixtures.simulator import SimulatorFactory

WAIT = 30.0
STREAMED_MINUTES = 6
CONFIG = StreamerConfig(
    intervals=(Interval.M1,),
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


async def eventually(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {WAIT:g}s waiting for {what}")
        await asyncio.sleep(0.02)


def _same(synced: dict[int, Bar], streamed: list[Bar]) -> list[tuple[int, Bar]]:
    """The synced bar of each streamed bar's key, in the streamed order."""
    return [(bar.time, synced[bar.time]) for bar in streamed]


async def test_every_streamed_minute_bar_equals_the_synced_one(
    simulator_factory: SimulatorFactory, tmp_path: Path, redis_url: str
) -> None:
    simulator = await simulator_factory(quote_interval=0.01, tick_speed=150.0)
    settings = Settings(data_dir=tmp_path, tradingview_url=simulator.url, redis_url=redis_url)
    key = SeriesKey(Symbol("BINANCE", "BTCUSDT"), Interval.M1)
    quotes = quote_service_from_settings(settings)
    quotes.subscribe("BINANCE", "BTCUSDT")
    quotes.start()
    streamed_store = SqliteBarStore(tmp_path / "streamed.sqlite3")
    synced_store = SqliteBarStore(tmp_path / "synced.sqlite3")
    try:
        parts = StreamerParts(store=streamed_store, events=InProcessEventBus())
        streamer = Streamer(settings, CONFIG, parts)
        stop = asyncio.Event()
        task = asyncio.create_task(streamer.run(stop))
        try:
            await eventually(
                lambda: len(streamed_store.get_bars(key)) >= STREAMED_MINUTES or task.done(),
                f"{STREAMED_MINUTES} streamed 1-minute bars",
            )
        finally:
            stop.set()
            async with asyncio.timeout(WAIT):
                await task
        streamed = streamed_store.get_bars(key)

        feed = TradingViewHistoryClient.from_settings(settings)
        request = SyncRequest(key, n_bars=len(streamed) + 30)
        await sync_series(request, feed=feed, store=synced_store, events=InProcessEventBus())
        synced = {bar.time: bar for bar in synced_store.get_bars(key)}

        assert len(streamed) >= STREAMED_MINUTES
        assert [bar.time for bar in streamed if bar.time not in synced] == []  # the keys
        same = [synced[bar.time] for bar in streamed]
        assert [(b.time, b.open, b.high, b.low, b.close) for b in streamed] == [
            (b.time, b.open, b.high, b.low, b.close) for b in same
        ]
        assert [(b.time, b.volume) for b in streamed] == [(b.time, b.volume) for b in same]
    finally:
        streamed_store.close()
        synced_store.close()
