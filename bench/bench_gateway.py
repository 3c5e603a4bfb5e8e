"""The local gateway under load: the stack of ``make demo`` here, the clients in another
process (``bench/gateway_load.py``).

Metrics: ``gateway_64_clients_at_once_slowest`` (64 clients connecting at once to
``/health``, the slowest answer of five rounds, target ≤ 200 ms),
``gateway_cached_1000_bar_reads`` (16 keep-alive clients reading 1,000 cached daily bars,
target ≥ 1,500 req/s) and ``gateway_cached_1000_bar_reads_p99`` (their 99th percentile
latency, target ≤ 30 ms). The stack runs with its embedded defaults: SQLite, the
in-process cache, the simulator as TradingView.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench.gateway_load import READ_PATH
from bench.report import report
from config.settings import Settings
from local.stack import Feed, LocalStack, StackOptions

N_BARS = 1000


def _seeded(stack: LocalStack) -> None:
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        synced = client.post(
            "/market-data/sync",
            json={"symbol": "AAPL", "exchange": "NASDAQ", "interval": "1d", "n_bars": N_BARS},
        )
        if synced.status_code != 200 or synced.json()["bars_synced"] != N_BARS:
            raise SystemExit(f"the sync failed: {synced.status_code} {synced.text[:200]}")
        warm = client.get(READ_PATH)  # the load reads from a warm cache
        if warm.json()["count"] != N_BARS:
            raise SystemExit(f"the read failed: {warm.status_code} {warm.text[:200]}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        options = StackOptions(port=0, feed=Feed.SIMULATOR, scheduler=False)
        # The console is not measured: no access line per request, only these figures.
        settings = Settings(data_dir=Path(tmp), log_level="WARNING")
        with LocalStack(settings, options) as stack:
            _seeded(stack)
            load = subprocess.run(
                [sys.executable, "-m", "bench.gateway_load", stack.url],
                capture_output=True,
                text=True,
                check=True,
            )
    figures = json.loads(load.stdout.strip().splitlines()[-1])
    report("gateway_64_clients_at_once_slowest", figures["burst_slowest_ms"], "ms", 200)
    report("gateway_cached_1000_bar_reads", figures["reads_per_s"], "req/s", 1500)
    report("gateway_cached_1000_bar_reads_p99", figures["read_p99_ms"], "ms", 30)


if __name__ == "__main__":
    main()
