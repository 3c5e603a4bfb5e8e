"""The ``pocketquant`` command end to end: a real process against the simulator."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.stores.sqlite_store import SqliteBarStore
from config.settings import Settings
from domain.bars import SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol
from simulator.server import Simulator
from tests.api_support import ApiClient, installed_services
from tests.fixtures.simulator import SimulatorFactory

AAPL_DAILY = SeriesKey(Symbol("NASDAQ", "AAPL"), Interval.D1)
CLI_TIMEOUT = 60.0


@dataclass
class Completed:
    code: int
    out: str
    err: str


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


async def pocketquant(
    sim: Simulator, data_dir: Path, *args: str, redis_url: str | None = None
) -> Completed:
    env = {
        **os.environ,
        "PQ_TRADINGVIEW_URL": sim.url,
        "PQ_DATA_DIR": str(data_dir),
        "PQ_TRADINGVIEW_TIMEOUT": "5",
    }
    for name in ("PQ_MONGODB_URI", "PQ_REDIS_URL", "PQ_TRADINGVIEW_TOKEN", "PQ_EVENT_BUS_NAME"):
        env.pop(name, None)
    if redis_url is not None:
        env["PQ_REDIS_URL"] = redis_url
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(CLI_TIMEOUT):
        out, err = await process.communicate()
    assert process.returncode is not None
    return Completed(process.returncode, out.decode(), err.decode())


def stored(data_dir: Path, key: SeriesKey) -> list[tuple[int, float, float | None]]:
    store = SqliteBarStore(data_dir / "bars.sqlite3")
    try:
        return [(b.time, b.close, b.volume) for b in store.get_bars(key)]
    finally:
        store.close()


async def test_sync_5000_daily_bars_then_print_them(simulator: Simulator, data_dir: Path) -> None:
    synced = await pocketquant(
        simulator, data_dir, "sync", "NASDAQ:AAPL", "--interval", "1d", "--bars", "5000"
    )
    assert synced.code == 0, synced.err
    assert "5,000 stored" in synced.out
    assert len(stored(data_dir, AAPL_DAILY)) == 5000

    table = await pocketquant(simulator, data_dir, "bars", "NASDAQ:AAPL", "--limit", "3")
    lines = table.out.splitlines()
    assert table.code == 0 and lines[0].split() == [
        "datetime",
        "open",
        "high",
        "low",
        "close",
        "volume",
    ]
    assert len(lines) == 4
    # The simulator's history ends on Friday 2024-03-15; daily bars open at 09:30 New York.
    assert lines[-1].startswith("2024-03-15T13:30:00Z")

    as_json = await pocketquant(
        simulator, data_dir, "bars", "NASDAQ:AAPL", "--limit", "2", "--format", "json"
    )
    records = json.loads(as_json.out)
    assert [r["datetime"] for r in records] == ["2024-03-14T13:30:00Z", "2024-03-15T13:30:00Z"]
    assert set(records[0]) == {"datetime", "open", "high", "low", "close", "volume"}

    as_csv = await pocketquant(
        simulator, data_dir, "bars", "NASDAQ:AAPL", "--limit", "2", "--format", "csv"
    )
    assert as_csv.out.splitlines()[0] == "datetime,open,high,low,close,volume"

    # A date alone as the end is that whole day, as the API's end_date is.
    through = await pocketquant(
        simulator, data_dir, "bars", "NASDAQ:AAPL", "--end", "2024-03-14", "--format", "json"
    )
    assert json.loads(through.out)[-1]["datetime"] == "2024-03-14T13:30:00Z"


async def test_minute_sync_pages_past_5000_and_a_second_sync_adds_no_duplicates(
    simulator_factory: SimulatorFactory, data_dir: Path
) -> None:
    # The simulator's clock stands still: the second sync finds no new trade to add.
    simulator = await simulator_factory(tick_speed=0.0)
    key = SeriesKey(Symbol("BINANCE", "BTCUSDT"), Interval.M1)
    first = await pocketquant(
        simulator, data_dir, "sync", "BINANCE:BTCUSDT", "--interval", "1m", "--bars", "12000"
    )
    assert first.code == 0, first.err
    assert "12,000/12,000 bars" in first.err  # progress, page by page
    bars = stored(data_dir, key)
    times = [t for t, _, _ in bars]
    assert len(bars) == 12000 and times == sorted(set(times))
    assert all(b - a == 60 for a, b in itertools.pairwise(times))

    again = await pocketquant(simulator, data_dir, "sync", "BINANCE:BTCUSDT", "--interval", "1m")
    assert again.code == 0, again.err
    assert "incremental" in again.out
    assert stored(data_dir, key) == bars


async def test_a_sync_refreshes_what_the_api_cached_in_redis(
    simulator: Simulator, data_dir: Path, redis_url: str
) -> None:
    """``pocketquant sync`` beside an API that shares Redis: its reads see the new bars."""
    settings = Settings(data_dir=data_dir, tradingview_url=simulator.url, redis_url=redis_url)
    with installed_services(settings):
        api = ApiClient()
        first = await pocketquant(
            simulator, data_dir, "sync", "NASDAQ:AAPL", "--bars", "20", redis_url=redis_url
        )
        assert first.code == 0, first.err
        cached = await asyncio.to_thread(api.get, "/market-data/ohlcv/NASDAQ/AAPL")
        hit = await asyncio.to_thread(api.get, "/market-data/ohlcv/NASDAQ/AAPL")
        assert hit.headers["x-cache"] == "hit"

        second = await pocketquant(
            simulator,
            data_dir,
            "sync",
            "NASDAQ:AAPL",
            "--bars",
            "50",
            "--full",
            redis_url=redis_url,
        )
        assert second.code == 0, second.err
        after = await asyncio.to_thread(api.get, "/market-data/ohlcv/NASDAQ/AAPL")

    assert cached.json()["count"] == 20
    assert after.json()["count"] == 50


async def test_unknown_symbol_fails_fast_naming_it(simulator: Simulator, data_dir: Path) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await pocketquant(simulator, data_dir, "sync", "NASDAQ:NOSUCHTICKER")
    assert result.code == 1
    assert "NASDAQ:NOSUCHTICKER" in result.err
    assert loop.time() - started < 10


async def test_a_failing_sync_prints_only_its_error_without_verbose(
    simulator: Simulator, data_dir: Path
) -> None:
    result = await pocketquant(simulator, data_dir, "sync", "NASDAQ:NOSUCHTICKER")
    assert result.code == 1
    # No log line (the event bus's, Powertools' JSON) reaches the console unless -v.
    assert [line for line in result.err.splitlines() if line.strip()] == [
        line for line in result.err.splitlines() if line.startswith("error: ")
    ]
    assert len(result.err.strip().splitlines()) == 1


async def test_verbose_shows_the_log_lines(simulator: Simulator, data_dir: Path) -> None:
    result = await pocketquant(simulator, data_dir, "-v", "sync", "NASDAQ:NOSUCHTICKER")
    assert result.code == 1
    assert "SyncFailed" in result.err
    assert result.err.strip().splitlines()[-1].startswith("error: ")


async def test_a_setting_out_of_range_is_an_error_naming_its_variable(
    simulator: Simulator, data_dir: Path
) -> None:
    os.environ["PQ_SYNC_DEADLINE"] = "30"
    try:
        result = await pocketquant(simulator, data_dir, "bars", "NASDAQ:AAPL")
    finally:
        del os.environ["PQ_SYNC_DEADLINE"]
    assert result.code == 1
    assert "Traceback" not in result.err
    (line,) = result.err.strip().splitlines()
    assert line.startswith("error: PQ_SYNC_DEADLINE")


async def test_dropped_connection_fails_cleanly_and_keeps_stored_bars(
    simulator_factory: SimulatorFactory, data_dir: Path
) -> None:
    sim = await simulator_factory(max_bars_per_request=1000)
    ok = await pocketquant(sim, data_dir, "sync", "NASDAQ:AAPL", "--bars", "1500")
    assert ok.code == 0, ok.err
    before = stored(data_dir, AAPL_DAILY)

    sim.config.drop_after_messages = 5  # mid-way through the paged history
    failed = await pocketquant(sim, data_dir, "sync", "NASDAQ:AAPL", "--bars", "4000", "--full")
    assert failed.code == 1
    last_line = failed.err.strip().splitlines()[-1]
    assert last_line.startswith("error:") and "closed the connection" in last_line
    assert "Traceback" not in failed.err
    assert stored(data_dir, AAPL_DAILY) == before


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("sync", "AAPL"), "EXCHANGE:SYMBOL"),
        (("sync", "NASDAQ:AAPL", "--interval", "1H"), "interval"),
        (("sync", "NASDAQ:AAPL", "--bars", "0"), "n_bars"),
        (("bars", "NASDAQ:AAPL", "--limit", "9999"), "limit"),
        (("bars", "NASDAQ:AAPL", "--start", "yesterday"), "start"),
        (("bars", "NASDAQ:AAPL"), "no bars stored"),
        (("bars", "NASDAQ:AAPL", "--end", "soon"), "--end: 'soon' is not an ISO 8601"),
        (
            ("bars", "NASDAQ:AAPL", "--start", "2024-03-02", "--end", "2024-03-01"),
            "--start: must not be after --end",
        ),
        (("bars", "NASDAQ:AAPL", "--format", "json"), "error: no bars stored for NASDAQ:AAPL@1d"),
        (("bars", "NASDAQ:AAPL", "--format", "csv"), "error: no bars stored for NASDAQ:AAPL@1d"),
        (("sync",), "error: the following arguments are required: symbol"),
        (("sync", "NASDAQ:AAPL", "--bars", "many"), "error: argument --bars: invalid int"),
        (("bars", "NASDAQ:AAPL", "--format", "xml"), "error: argument --format: invalid choice"),
        (("nosuchcommand",), "error: argument command: invalid choice"),
    ],
)
async def test_bad_input_gives_a_message_and_status_1(
    simulator: Simulator, data_dir: Path, args: tuple[str, ...], names: str
) -> None:
    result = await pocketquant(simulator, data_dir, *args)
    assert result.code == 1
    assert names in result.err and "Traceback" not in result.err
    assert result.out == ""  # nothing a pipe would take for bars
    assert ": error:" not in result.err  # not argparse's "pocketquant sync: error:"
    assert result.err.splitlines()[-1].startswith("error: ")


async def test_the_progress_ends_on_the_count_the_result_gives(
    simulator: Simulator, data_dir: Path
) -> None:
    """An incremental sync asks TradingView for more than it keeps (calendar time
    over-counts a session market's bars): the progress counts what it keeps."""
    first = await pocketquant(simulator, data_dir, "sync", "NASDAQ:AAPL", "--bars", "300")
    assert first.code == 0, first.err
    again = await pocketquant(simulator, data_dir, "sync", "NASDAQ:AAPL")

    assert again.code == 0, again.err
    synced = re.search(r"([\d,]+) bars synced", again.out)
    assert synced, again.out
    progress = [line for line in again.err.splitlines() if line.startswith("sync NASDAQ:AAPL")]
    last = progress[-1]
    assert last.endswith(f": {synced.group(1)}/{synced.group(1)} bars"), (last, again.out)
    assert synced.group(1) == "3"  # the overlap: three stored bars fetched again
