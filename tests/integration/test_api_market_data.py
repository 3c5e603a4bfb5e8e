"""The market-data and health routes through the real handler, with the simulator as
TradingView, SQLite as the store and a real Redis for the cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from application.background import SyncJob
from config.settings import Settings
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig
from tests.api_support import SIM_NOW, ApiClient, installed_services
from tests.fixtures.redis_server import RedisServer


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with RunningSimulator(SimulatorConfig(now=SIM_NOW, symbol_error_delay=0.0)) as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, simulator: RunningSimulator) -> Settings:
    return Settings(data_dir=tmp_path, tradingview_url=simulator.url, tradingview_timeout=5)


@pytest.fixture
def api(settings: Settings) -> Iterator[ApiClient]:
    with installed_services(settings):
        yield ApiClient()


@pytest.fixture
def redis_api(settings: Settings, redis_url: str) -> Iterator[ApiClient]:
    with installed_services(settings.model_copy(update={"redis_url": SecretStr(redis_url)})):
        yield ApiClient()


def _sync(
    api: ApiClient, symbol: str = "AAPL", exchange: str = "NASDAQ", **extra: object
) -> dict[str, Any]:
    response = api.post(
        "/market-data/sync", {"symbol": symbol, "exchange": exchange, "n_bars": 300, **extra}
    )
    assert response.status == 200, response.body
    found: dict[str, Any] = response.json()
    return found


def test_sync_then_read_the_bars(api: ApiClient) -> None:
    synced = _sync(api, "aapl", "nasdaq")
    assert synced["symbol"] == "AAPL" and synced["exchange"] == "NASDAQ"
    assert synced["interval"] == "1d" and synced["status"] == "ok"
    assert synced["bars_synced"] == 300 and synced["total_bars"] == 300
    assert synced["last_bar_at"].startswith("2024-03-15T")

    read = api.get("/market-data/ohlcv/NASDAQ/AAPL?limit=5000")
    assert read.status == 200
    body = read.json()
    assert body["count"] == 300 and len(body["data"]) == 300
    assert set(body["data"][0]) == {"datetime", "open", "high", "low", "close", "volume"}
    times = [bar["datetime"] for bar in body["data"]]
    assert times == sorted(times) and times[-1] == synced["last_bar_at"]

    newest = api.get("/market-data/ohlcv/nasdaq/aapl?limit=10").json()
    assert newest["data"] == body["data"][-10:]

    window = api.get(
        "/market-data/ohlcv/NASDAQ/AAPL?start_date=2024-03-01&end_date=2024-03-08"
    ).json()
    days = [bar["datetime"][:10] for bar in window["data"]]
    assert days == [
        "2024-03-01",
        "2024-03-04",
        "2024-03-05",
        "2024-03-06",
        "2024-03-07",
        "2024-03-08",
    ]


def test_symbols_and_sync_status_follow_syncs(api: ApiClient) -> None:
    _sync(api, "AAPL")
    _sync(api, "BTCUSDT", "BINANCE", interval="1h")

    symbols = api.get("/market-data/symbols").json()
    assert symbols["count"] == 2
    assert [(s["exchange"], s["symbol"]) for s in symbols["data"]] == [
        ("BINANCE", "BTCUSDT"),
        ("NASDAQ", "AAPL"),
    ]
    aapl = symbols["data"][1]
    assert aapl["name"] and aapl["timezone"] == "America/New_York" and aapl["currency"] == "USD"
    assert api.get("/market-data/symbols?exchange=binance").json()["count"] == 1

    statuses = api.get("/market-data/sync-status").json()
    assert statuses["count"] == 2
    assert [(s["exchange"], s["symbol"], s["interval"]) for s in statuses["data"]] == [
        ("BINANCE", "BTCUSDT", "1h"),
        ("NASDAQ", "AAPL", "1d"),
    ]
    btc = api.get("/market-data/sync-status/BINANCE/BTCUSDT?interval=1h").json()
    assert (btc["symbol"], btc["exchange"]) == ("BTCUSDT", "BINANCE")
    assert (btc["interval"], btc["status"], btc["bar_count"]) == ("1h", "ok", 300)
    assert btc["last_sync_at"] is not None and btc["error_message"] is None
    assert btc == statuses["data"][0]
    daily = api.get("/market-data/sync-status/NASDAQ/AAPL").json()  # the interval: 1d
    assert (daily["symbol"], daily["interval"], daily["status"]) == ("AAPL", "1d", "ok")

    assert api.get("/market-data/sync-status/BINANCE/BTCUSDT?interval=1d").status == 404
    assert api.get("/market-data/sync-status/BINANCE/BTCUSDT").status == 404
    missing = api.get("/market-data/sync-status/NYSE/KO")
    assert missing.status == 404 and missing.error["code"] == "series_not_tracked"


def test_reading_a_series_never_synced_is_404(api: ApiClient) -> None:
    response = api.get("/market-data/ohlcv/NASDAQ/AAPL")
    assert response.status == 404
    assert response.error["code"] == "series_not_tracked"
    assert "sync" in response.error["message"]


def test_unknown_symbol_is_404_and_its_failure_shows_in_the_status(api: ApiClient) -> None:
    response = api.post("/market-data/sync", {"symbol": "NOSUCHCO", "exchange": "NASDAQ"})
    assert response.status == 404
    assert response.error["code"] == "symbol_not_found"
    assert "NOSUCHCO" in response.error["message"]
    status = api.get("/market-data/sync-status/NASDAQ/NOSUCHCO").json()
    assert status["status"] == "failed" and status["bar_count"] == 0
    assert "NOSUCHCO" in status["error_message"]
    assert api.get("/market-data/ohlcv/NASDAQ/NOSUCHCO").json()["count"] == 0


def test_bulk_sync_reports_each_symbol_and_one_failure_fails_no_other(api: ApiClient) -> None:
    response = api.post(
        "/market-data/sync/bulk",
        {
            "symbols": [
                {"symbol": "AAPL", "exchange": "NASDAQ"},
                {"symbol": "NOSUCHCO", "exchange": "NASDAQ"},
                {"symbol": "KO", "exchange": "NYSE"},
                {"symbol": "aapl", "exchange": "nasdaq"},
            ],
            "n_bars": 200,
        },
    )
    assert response.status == 200
    body = response.json()
    assert (body["succeeded"], body["failed"]) == (2, 1)
    results = {(r["exchange"], r["symbol"]): r for r in body["data"]}
    assert list(results) == [("NASDAQ", "AAPL"), ("NASDAQ", "NOSUCHCO"), ("NYSE", "KO")]
    assert results["NASDAQ", "AAPL"]["status"] == "ok"
    assert results["NASDAQ", "AAPL"]["bars_synced"] == 200
    failed = results["NASDAQ", "NOSUCHCO"]
    assert failed["status"] == "failed" and failed["error"]["code"] == "symbol_not_found"
    assert api.get("/market-data/ohlcv/NYSE/KO").json()["count"] == 200


class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[SyncJob] = []

    def enqueue(self, job: SyncJob) -> None:
        self.jobs.append(job)


def test_background_sync_queues_a_job_and_answers_202(api: ApiClient) -> None:
    from wiring.services import get_services

    queue = RecordingQueue()
    get_services().set_sync_queue(queue)
    response = api.post(
        "/market-data/sync/background", {"symbol": "msft", "exchange": "nasdaq", "interval": "1h"}
    )
    assert response.status == 202
    body = response.json()
    assert body["status"] == "queued" and body["symbol"] == "MSFT" and body["interval"] == "1h"
    assert [job.job_id for job in queue.jobs] == [body["job_id"]]
    assert queue.jobs[0].key.symbol.key == "NASDAQ:MSFT"


def test_background_sync_without_a_queue_is_503(api: ApiClient) -> None:
    response = api.post("/market-data/sync/background", {"symbol": "MSFT", "exchange": "NASDAQ"})
    assert response.status == 503
    assert response.error["code"] == "queue_unavailable"


def test_a_sync_invalidates_cached_reads(redis_api: ApiClient) -> None:
    _sync(redis_api, n_bars=100)
    first = redis_api.get("/market-data/ohlcv/NASDAQ/AAPL?limit=5000")
    again = redis_api.get("/market-data/ohlcv/NASDAQ/AAPL?limit=5000")
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.body == first.body and first.json()["count"] == 100

    _sync(redis_api, n_bars=250, full=True)
    after = redis_api.get("/market-data/ohlcv/NASDAQ/AAPL?limit=5000")
    assert after.headers["x-cache"] == "miss"
    assert after.json()["count"] == 250


def test_reads_keep_working_while_redis_is_down(
    redis_api: ApiClient, redis_server: RedisServer
) -> None:
    _sync(redis_api)
    cached = redis_api.get("/market-data/ohlcv/NASDAQ/AAPL")
    redis_server.stop()
    try:
        during = redis_api.get("/market-data/ohlcv/NASDAQ/AAPL")
        assert during.status == 200 and during.headers["x-cache"] == "bypass"
        assert during.body == cached.body
        health = redis_api.get("/health")
        assert health.status == 200
        assert health.json()["status"] == "degraded"
        assert health.json()["checks"]["cache"]["status"] == "down"
        # A sync still works: only the invalidation is lost (entries expire by TTL).
        assert _sync(redis_api, "KO", "NYSE")["status"] == "ok"
    finally:
        redis_server.start()
    assert redis_api.get("/health").json()["status"] == "ok"
    assert redis_api.get("/market-data/ohlcv/NASDAQ/AAPL").status == 200


def test_health_is_ok_with_every_dependency_up(redis_api: ApiClient) -> None:
    response = redis_api.get("/health")
    assert response.status == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"]
    assert body["checks"]["store"] == {"status": "ok", "backend": "sqlite", "detail": None}
    assert body["checks"]["cache"]["backend"] == "redis"


def test_health_is_503_when_the_store_is_down(tmp_path: Path, simulator: RunningSimulator) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings = Settings(data_dir=blocker / "data", tradingview_url=simulator.url)
    with installed_services(settings):
        api = ApiClient()
        health = api.get("/health")
        assert health.status == 503
        body = health.json()
        assert body["status"] == "unavailable" and body["checks"]["store"]["status"] == "down"
        assert body["error"]["code"] == "dependency_unavailable"
        read = api.get("/market-data/ohlcv/NASDAQ/AAPL")
        assert read.status == 503 and read.error["code"] == "store_unavailable"
