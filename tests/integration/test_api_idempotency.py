"""Idempotent POSTs: a retried request gets the first response and the work runs once.

Run against both record stores: Redis (``PQ_REDIS_URL``) and the in-process default.
Feed requests are counted as connections the simulator accepted (one per history fetch).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.settings import Settings
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig
from tests.api_support import SIM_NOW, ApiClient, installed_services
from tests.fixtures.redis_server import RedisServer

SYNC = {"symbol": "AAPL", "exchange": "NASDAQ", "n_bars": 120}


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with RunningSimulator(SimulatorConfig(now=SIM_NOW, symbol_error_delay=0.0)) as running:
        yield running


@pytest.fixture(params=["redis", "in-process"])
def api(
    request: pytest.FixtureRequest, tmp_path: Path, simulator: RunningSimulator
) -> Iterator[ApiClient]:
    settings = Settings(data_dir=tmp_path, tradingview_url=simulator.url, tradingview_timeout=5)
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")
        settings = settings.model_copy(update={"redis_url": SecretStr(redis_url)})
    with installed_services(settings):
        yield ApiClient()


def _fetches(simulator: RunningSimulator) -> int:
    return simulator.simulator.stats.connections_opened


def test_a_retried_sync_replays_the_first_response_without_fetching_again(
    api: ApiClient, simulator: RunningSimulator
) -> None:
    key = {"Idempotency-Key": "retry-me-1"}
    before = _fetches(simulator)
    first = api.post("/market-data/sync", SYNC, headers=key)
    assert first.status == 200 and _fetches(simulator) == before + 1
    assert "idempotent-replayed" not in first.headers

    retried = api.post("/market-data/sync", {**SYNC, "symbol": "aapl"}, headers=key)
    assert retried.status == 200
    assert retried.json() == first.json()
    assert retried.headers["idempotent-replayed"] == "true"
    assert _fetches(simulator) == before + 1


def test_the_header_name_is_case_insensitive(api: ApiClient, simulator: RunningSimulator) -> None:
    api.post("/market-data/sync", SYNC, headers={"Idempotency-Key": "any-case"})
    before = _fetches(simulator)
    retried = api.post("/market-data/sync", SYNC, headers={"idempotency-key": "any-case"})
    assert retried.status == 200 and _fetches(simulator) == before


def test_the_same_key_with_another_body_is_refused(
    api: ApiClient, simulator: RunningSimulator
) -> None:
    key = {"Idempotency-Key": "one-body-only"}
    assert api.post("/market-data/sync", SYNC, headers=key).status == 200
    before = _fetches(simulator)
    other = api.post("/market-data/sync", {**SYNC, "symbol": "MSFT"}, headers=key)
    assert other.status == 422
    assert other.error["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in other.error["message"]
    assert _fetches(simulator) == before


def test_without_a_key_every_request_does_the_work(
    api: ApiClient, simulator: RunningSimulator
) -> None:
    before = _fetches(simulator)
    assert api.post("/market-data/sync", SYNC).status == 200
    assert api.post("/market-data/sync", SYNC).status == 200
    assert _fetches(simulator) == before + 2


def test_a_failed_request_is_not_recorded_so_a_retry_runs_again(
    api: ApiClient, simulator: RunningSimulator
) -> None:
    key = {"Idempotency-Key": "failed-once"}
    body = {"symbol": "NOSUCHCO", "exchange": "NASDAQ"}
    assert api.post("/market-data/sync", body, headers=key).status == 404
    before = _fetches(simulator)
    assert api.post("/market-data/sync", body, headers=key).status == 404
    assert _fetches(simulator) == before + 1


def test_bulk_and_background_are_idempotent_too(
    api: ApiClient, simulator: RunningSimulator
) -> None:
    from application.background import SyncJob
    from wiring.services import get_services

    bulk = {"symbols": [{"symbol": "KO", "exchange": "NYSE"}], "n_bars": 50}
    first = api.post("/market-data/sync/bulk", bulk, headers={"Idempotency-Key": "bulk-1"})
    before = _fetches(simulator)
    again = api.post("/market-data/sync/bulk", bulk, headers={"Idempotency-Key": "bulk-1"})
    assert again.json() == first.json() and _fetches(simulator) == before

    jobs: list[SyncJob] = []
    get_services().set_sync_queue(type("Queue", (), {"enqueue": lambda _, job: jobs.append(job)})())
    queued = api.post("/market-data/sync/background", SYNC, headers={"Idempotency-Key": "bg-1"})
    replay = api.post("/market-data/sync/background", SYNC, headers={"Idempotency-Key": "bg-1"})
    assert (queued.status, replay.status) == (202, 202)
    assert replay.json()["job_id"] == queued.json()["job_id"]
    assert len(jobs) == 1


def test_a_key_is_refused_when_redis_is_down_but_reads_go_on(
    tmp_path: Path, simulator: RunningSimulator, redis_url: str, redis_server: RedisServer
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        tradingview_url=simulator.url,
        tradingview_timeout=5,
        redis_url=SecretStr(redis_url),
    )
    with installed_services(settings):
        api = ApiClient()
        assert api.post("/market-data/sync", SYNC).status == 200
        redis_server.stop()
        try:
            before = _fetches(simulator)
            refused = api.post("/market-data/sync", SYNC, headers={"Idempotency-Key": "k"})
            assert refused.status == 503
            assert refused.error["code"] == "idempotency_unavailable"
            assert _fetches(simulator) == before
            assert api.get("/market-data/ohlcv/NASDAQ/AAPL").status == 200
        finally:
            redis_server.start()
