"""An inline sync against a slow TradingView stops at its deadline, answers a 503 a client
can act on, and leaves the store as a failed sync does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from domain.bars import SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig
from tests.api_support import SIM_NOW, ApiClient, installed_services

DEADLINE_S = 1.0
REPLY_DELAY_S = 0.4
"""Each TradingView reply comes this late, so a sync of many pages needs far more than
``DEADLINE_S`` (and each single reply far less than the reply timeout)."""
MINUTE = SeriesKey(Symbol("BINANCE", "BTCUSDT"), Interval.M1)
BODY = {"symbol": "BTCUSDT", "exchange": "BINANCE", "interval": "1m"}


@pytest.fixture(scope="module")
def fast() -> Iterator[RunningSimulator]:
    with RunningSimulator(SimulatorConfig(now=SIM_NOW)) as running:
        yield running


@pytest.fixture(scope="module")
def slow() -> Iterator[RunningSimulator]:
    config = SimulatorConfig(now=SIM_NOW, reply_delay=REPLY_DELAY_S, max_bars_per_request=1000)
    with RunningSimulator(config) as running:
        yield running


def _settings(data_dir: Path, simulator: RunningSimulator) -> Settings:
    return Settings(
        data_dir=data_dir,
        tradingview_url=simulator.url,
        tradingview_timeout=5,
        sync_deadline=DEADLINE_S,
    )


def test_a_sync_past_the_deadline_is_a_503_naming_the_background_route_and_stores_nothing(
    tmp_path: Path, fast: RunningSimulator, slow: RunningSimulator
) -> None:
    with installed_services(_settings(tmp_path, fast)) as services:
        first = ApiClient().post("/market-data/sync", {**BODY, "n_bars": 50})
        assert first.status == 200, first.body
        before = services.store.get_bars(MINUTE)

    with installed_services(_settings(tmp_path, slow)) as services:
        api = ApiClient()
        late = api.post("/market-data/sync", {**BODY, "n_bars": 100_000, "full": True})
        after = services.store.get_bars(MINUTE)
        status = api.get("/market-data/sync-status/BINANCE/BTCUSDT?interval=1m")

    assert late.status == 503, late.body
    assert late.error["code"] == "sync_deadline_exceeded"
    assert f"within {DEADLINE_S:g} s" in late.error["message"]
    assert "background" in late.error["message"]
    assert after == before  # nothing of the 100,000 bars, the 50 untouched
    assert status.json()["status"] == "failed"
    assert status.json()["bar_count"] == 50
    assert "did not finish" in status.json()["error_message"]


def test_a_bulk_sync_past_the_deadline_fails_each_unfinished_symbol_alone(
    tmp_path: Path, slow: RunningSimulator
) -> None:
    with installed_services(_settings(tmp_path, slow)):
        response = ApiClient().post(
            "/market-data/sync/bulk",
            {
                "symbols": [
                    {"symbol": "BTCUSDT", "exchange": "BINANCE"},
                    {"symbol": "ETHUSDT", "exchange": "BINANCE"},
                ],
                "interval": "1m",
                "n_bars": 100_000,
            },
        )

    assert response.status == 200, response.body
    results = response.json()["data"]
    assert [item["status"] for item in results] == ["failed", "failed"]
    assert {item["error"]["code"] for item in results} == {"sync_deadline_exceeded"}
