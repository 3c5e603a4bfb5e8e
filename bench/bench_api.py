"""The api handler: 5,000 bars per query, warm, and the cold import of the handler module.

Metrics: ``api_query_5000_bars_cache_hit`` (Redis on loopback, target ≤ 10 ms),
``api_query_5000_bars_cache_hit_in_process`` (the in-process cache of ``make run``, which
reads the series' version from SQLite on each lookup, target ≤ 10 ms),
``api_query_5000_bars_store_read`` (cache miss, bars from SQLite, target ≤ 40 ms), both
through ``handler(event, context)`` with an API Gateway event, and
``api_handler_cold_import`` (a fresh interpreter importing ``functions.api.handler`` with
bytecode compiled, median of several, target ≤ 400 ms).
"""

from __future__ import annotations

import compileall
import contextlib
import io
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import report

N_BARS = 5000
WARMUP = 5
REPEATS = 41
IMPORT_RUNS = 9
ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("functions", "wiring", "application", "adapters", "domain", "config")
IMPORT_PROBE = (
    "import time; started = time.perf_counter(); import functions.api.handler; "
    "print(time.perf_counter() - started)"
)


def _stored_bars(settings: Any) -> Any:
    """A SQLite store holding 5,000 daily NASDAQ:AAPL bars and their sync status."""
    from adapters.stores.sqlite_store import SqliteBarStore
    from domain.bars import Bar, SeriesKey
    from domain.intervals import Interval
    from domain.series import SyncState, SyncStatus
    from domain.symbols import Symbol

    key = SeriesKey(Symbol("NASDAQ", "AAPL"), Interval.D1)
    first = 1_000_000_000 - 1_000_000_000 % 86_400 + 52_200
    bars = [
        Bar(
            first + i * 86_400,
            100 + i * 0.01,
            101 + i * 0.01,
            99 + i * 0.01,
            100.5 + i * 0.01,
            1e6 + i,
        )
        for i in range(N_BARS)
    ]
    store = SqliteBarStore(settings.sqlite_path)
    store.upsert_bars(key, bars)
    store.put_status(SyncStatus(key=key, status=SyncState.OK, bar_count=N_BARS))
    store.close()
    return key


def _median_ms(call: Callable[[], dict[str, Any]], before: Callable[[], None]) -> float:
    timings = []
    for index in range(WARMUP + REPEATS):
        before()
        started = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - started
        if result["statusCode"] != 200 or '"count":5000' not in result["body"][:120]:
            raise SystemExit(f"unexpected answer: {result['statusCode']} {result['body'][:200]}")
        if index >= WARMUP:
            timings.append(elapsed)
    return statistics.median(timings) * 1000


def _query_benchmarks(directory: Path) -> tuple[float, float, float]:
    from pydantic import SecretStr

    from bench.redis_server import private_redis
    from config.settings import Settings
    from functions.api.handler import handler
    from local.lambda_context import LocalLambdaContext
    from local.proxy_event import HttpRequest, proxy_event
    from wiring.services import Services, use_services

    with private_redis(directory) as redis_url:
        settings = Settings(data_dir=directory, redis_url=SecretStr(redis_url))
        key = _stored_bars(settings)
        services = Services(settings)
        use_services(services)
        event = proxy_event(
            HttpRequest("GET", "/market-data/ohlcv/NASDAQ/AAPL?limit=5000", [], b"", "127.0.0.1")
        )
        context = LocalLambdaContext("pocketquant-api")

        def call() -> dict[str, Any]:
            # Metrics are EMF lines on stdout, as in Lambda; kept out of this script's output.
            with contextlib.redirect_stdout(io.StringIO()):
                return handler(event, context)

        hit = _median_ms(call, lambda: None)
        miss = _median_ms(call, lambda: services.cache.invalidate(key))
        services.close()
        local = Services(settings.model_copy(update={"redis_url": None}))
        use_services(local)
        local_hit = _median_ms(call, lambda: None)
        local.close()
    return hit, miss, local_hit


def _cold_import_ms() -> float:
    for package in PACKAGES:
        compileall.compile_dir(str(ROOT / package), quiet=1)
    compileall.compile_dir(sysconfig.get_paths()["purelib"], quiet=1)
    timings = []
    for _ in range(IMPORT_RUNS):
        done = subprocess.run(
            [sys.executable, "-c", IMPORT_PROBE],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        timings.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(timings) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        hit, miss, local_hit = _query_benchmarks(Path(tmp))
    report("api_query_5000_bars_cache_hit", hit, "ms", 10)
    report("api_query_5000_bars_cache_hit_in_process", local_hit, "ms", 10)
    report("api_query_5000_bars_store_read", miss, "ms", 40)
    report("api_handler_cold_import", _cold_import_ms(), "ms", 400)


if __name__ == "__main__":
    main()
