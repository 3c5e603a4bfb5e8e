"""A bulk sync larger than the request budget's burst is paced by the budget, not refused:
every series is fetched (one simulator connection each), while a single sync a client waits
on is still answered 429 when the budget is spent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig
from tests.api_support import SIM_NOW, ApiClient, installed_services

SYMBOLS = [("NASDAQ", "AAPL"), ("NASDAQ", "MSFT"), ("NYSE", "KO"), ("NASDAQ", "NVDA")]
BURST = 2


@pytest.fixture
def simulator() -> Iterator[RunningSimulator]:
    with RunningSimulator(SimulatorConfig(now=SIM_NOW, symbol_error_delay=0.0)) as running:
        yield running


@pytest.fixture
def api(tmp_path: Path, simulator: RunningSimulator) -> Iterator[ApiClient]:
    settings = Settings(
        data_dir=tmp_path,
        tradingview_url=simulator.url,
        tradingview_timeout=5,
        tradingview_request_burst=BURST,
        # A request every 0.2 s once the burst is spent: the bulk waits about 0.4 s.
        tradingview_requests_per_minute=300,
    )
    with installed_services(settings):
        yield ApiClient()


def test_a_bulk_beyond_the_burst_waits_for_the_budget_and_syncs_every_series(
    api: ApiClient, simulator: RunningSimulator
) -> None:
    body = {
        "symbols": [{"exchange": exchange, "symbol": symbol} for exchange, symbol in SYMBOLS],
        "interval": "1d",
        "n_bars": 30,
    }
    response = api.post("/market-data/sync/bulk", body)
    assert response.status == 200
    results = response.json()["data"]
    assert [item.get("error") for item in results] == [None] * len(SYMBOLS)
    assert all(item["bars_synced"] > 0 for item in results)
    assert simulator.simulator.stats.connections_opened == len(SYMBOLS)


def test_a_single_sync_over_the_budget_is_still_refused_at_once(api: ApiClient) -> None:
    statuses = [
        api.post("/market-data/sync", {"exchange": "NASDAQ", "symbol": s, "n_bars": 10}).status
        for s in ("AAPL", "MSFT")
    ]
    assert statuses == [200] * BURST
    refused = api.post("/market-data/sync", {"exchange": "NYSE", "symbol": "KO", "n_bars": 10})
    assert refused.status == 429
    assert int(refused.headers["retry-after"]) >= 1
