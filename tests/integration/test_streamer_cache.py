"""A cached bar read shows the bars the streamer completes, not a body up to 5 minutes old.

Against a simulator whose quote clock runs 150 times faster than real time, so a 1-minute
bar completes every 0.4 s: with Redis between the api handler and a streamer (as on AWS),
and in the local stack, where the streamer shares the handlers' in-process cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.stores.sqlite_store import SqliteBarStore
from config.settings import Settings
from domain.bars import SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol
from local.simulator_thread import RunningSimulator
from local.stack import LocalStack, StackOptions
from simulator.config import SimulatorConfig
from streamer.config import StreamerConfig
from streamer.in_thread import RunningStreamer
from streamer.service import Streamer
from tests.api_support import SIM_NOW, ApiClient, installed_services
from wiring.services import Services
from wiring.streamer import streamer_parts

KEY = SeriesKey(Symbol("BINANCE", "BTCUSDT"), Interval.M1)
SERIES = {"symbol": "BTCUSDT", "exchange": "BINANCE"}
READ = "/market-data/ohlcv/BINANCE/BTCUSDT?interval=1m"
SYNCED_BARS = 10
WAIT = 20.0
FAST = StreamerConfig(
    flush_interval=0.05, reconcile_interval=0.5, health_port=None, metrics_interval=0
)


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    config = SimulatorConfig(now=SIM_NOW, quote_interval=0.01, tick_speed=150.0)
    with RunningSimulator(config) as running:
        yield running


def _poll(predicate: Callable[[], bool], what: str) -> None:
    """Check every 20 ms for at most ``WAIT`` s: the streamer's store writes have no event
    a test in another thread can await."""
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _stored(data_dir: Path) -> int:
    store = SqliteBarStore(data_dir / "bars.sqlite3")
    try:
        return store.count_bars(KEY)
    finally:
        store.close()


def _cached_then_streamed(
    data_dir: Path,
    post: Callable[[str, dict[str, Any] | None], int],
    read: Callable[[], tuple[int, str]],
) -> None:
    """Sync and read (cached), stream until a new bar is stored, then read again."""
    assert post("/market-data/sync", {**SERIES, "interval": "1m", "n_bars": SYNCED_BARS}) == 200
    assert read() == (SYNCED_BARS, "miss")
    assert read() == (SYNCED_BARS, "hit")

    assert post("/quotes/subscribe", SERIES) == 200
    assert post("/quotes/start", None) == 200
    _poll(lambda: _stored(data_dir) > SYNCED_BARS, "the streamer to store a new bar")
    # Moments after the store write the cache is invalidated (same flush step).
    _poll(lambda: read()[0] > SYNCED_BARS, "the read to show the streamed bar")


def test_with_redis_a_cached_read_shows_the_bars_the_streamer_stores(
    tmp_path: Path, simulator: RunningSimulator, redis_url: str
) -> None:
    settings = Settings(data_dir=tmp_path, tradingview_url=simulator.url, redis_url=redis_url)
    with installed_services(settings):
        api = ApiClient()

        def post(target: str, body: dict[str, Any] | None) -> int:
            return api.post(target, body).status

        def read() -> tuple[int, str]:
            response = api.get(READ)
            return response.json()["count"], response.headers["x-cache"]

        # Only the settings shared: the streamer has a container and Redis clients of its
        # own, as on Fargate.
        with Services(settings) as own:
            streamer = RunningStreamer(Streamer(FAST, streamer_parts(own)))
            try:
                _cached_then_streamed(tmp_path, post, read)
            finally:
                streamer.close()


def test_in_the_local_stack_a_cached_read_shows_the_bars_the_streamer_stores(
    tmp_path: Path, simulator: RunningSimulator
) -> None:
    settings = Settings(data_dir=tmp_path, tradingview_url=simulator.url)
    options = StackOptions(port=0, scheduler=False, retry_delay_s=0)
    with LocalStack(settings, options) as stack, httpx.Client(base_url=stack.url) as http:

        def post(target: str, body: dict[str, Any] | None) -> int:
            return http.post(target, json=body, timeout=20).status_code

        def read() -> tuple[int, str]:
            response = http.get(READ)
            return response.json()["count"], response.headers["x-cache"]

        _cached_then_streamed(tmp_path, post, read)
