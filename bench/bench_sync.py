"""History sync from the simulator (in its own process) into a fresh SQLite store.

Metrics: 5,000 daily bars (target ≤ 0.25 s) and 50,000 one-minute bars paged 5,000 at a
time (target ≤ 3 s). Each run starts from an empty store, so it is a full first sync.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.synchronize
import statistics
import tempfile
import time
from pathlib import Path

from adapters.events.in_process import InProcessEventBus
from adapters.stores.sqlite_store import SqliteBarStore
from adapters.tradingview.client import TradingViewHistoryClient
from application.sync import SyncRequest, sync_series
from bench.report import report
from config.settings import Settings
from domain.bars import SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol

SIM_NOW = 1_710_532_800  # 2024-03-15 20:00 UTC


def _run_simulator(port: int, ready: multiprocessing.synchronize.Event) -> None:
    from simulator.config import SimulatorConfig
    from simulator.server import Simulator

    async def serve() -> None:
        async with Simulator(SimulatorConfig(port=port, now=SIM_NOW)):
            ready.set()
            await asyncio.Event().wait()

    asyncio.run(serve())


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _timed_sync(url: str, key: SeriesKey, n_bars: int, directory: Path) -> float:
    settings = Settings(tradingview_url=url, data_dir=directory)
    store = SqliteBarStore(directory / f"bench-{time.monotonic_ns()}.sqlite3")
    feed = TradingViewHistoryClient.from_settings(settings)
    started = time.perf_counter()
    result = await sync_series(
        SyncRequest(key, n_bars=n_bars), feed=feed, store=store, events=InProcessEventBus()
    )
    elapsed = time.perf_counter() - started
    store.close()
    if result.total_bars != n_bars:
        raise SystemExit(f"expected {n_bars} bars, stored {result.total_bars}")
    return elapsed


async def _median(url: str, key: SeriesKey, n_bars: int, repeats: int, directory: Path) -> float:
    await _timed_sync(url, key, n_bars, directory)  # warm-up: imports, simulator caches
    return statistics.median(
        [await _timed_sync(url, key, n_bars, directory) for _ in range(repeats)]
    )


def main() -> None:
    port = _free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_run_simulator, args=(port, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(30):
            raise SystemExit("simulator did not start")
        url = f"ws://127.0.0.1:{port}/socket.io/websocket?from=chart&type=chart"
        aapl = Symbol.parse("NASDAQ:AAPL")
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            daily = asyncio.run(_median(url, SeriesKey(aapl, Interval.D1), 5000, 7, directory))
            report("history_sync_5000_daily_bars", daily, "s", 0.25)
            minute = asyncio.run(_median(url, SeriesKey(aapl, Interval.M1), 50_000, 3, directory))
            report("history_backfill_50000_1m_bars_paged", minute, "s", 3.0)
    finally:
        server.terminate()
        server.join(10)


if __name__ == "__main__":
    main()
