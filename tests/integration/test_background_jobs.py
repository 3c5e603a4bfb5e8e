"""Background syncs through the api and the local queue: what the sync status shows of
each job while it waits, runs, ends and is dead-lettered."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from config.settings import Settings
from functions.sync_worker.handler import handler as sync_worker_handler
from local.lambda_context import LocalLambdaContext
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig
from tests.api_support import SIM_NOW, ApiClient, installed_services
from wiring.local import LocalSyncQueue, local_sync_queue
from wiring.services import Services

WAIT_S = 20.0


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with RunningSimulator(SimulatorConfig(now=SIM_NOW, symbol_error_delay=0.0)) as running:
        yield running


def _context() -> LambdaContext:
    return LocalLambdaContext("pocketquant-sync-worker")


class GatedHandler:
    """The sync-worker handler, held before each job until ``release`` is set."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
        self.started.set()
        assert self.release.wait(WAIT_S)
        return sync_worker_handler(event, context)


def _with_queue(services: Services, handler: Any) -> LocalSyncQueue:
    queue = local_sync_queue(services, handler, _context, retry_delay_s=0)
    services.set_sync_queue(queue)
    return queue


def _by_symbol(api: ApiClient) -> dict[str, dict[str, Any]]:
    listed = api.get("/market-data/sync-status")
    assert listed.status == 200, listed.body
    return {item["symbol"]: item for item in listed.json()["data"]}


def test_the_sync_status_shows_each_job_queued_running_then_done(
    tmp_path: Path, simulator: RunningSimulator
) -> None:
    settings = Settings(data_dir=tmp_path, tradingview_url=simulator.url, tradingview_timeout=5)
    gate = GatedHandler()
    with installed_services(settings) as services:
        queue = _with_queue(services, gate)
        try:
            api = ApiClient()
            jobs = {}
            for symbol in ("AAPL", "MSFT"):
                accepted = api.post(
                    "/market-data/sync/background",
                    {"symbol": symbol, "exchange": "NASDAQ", "n_bars": 40},
                )
                assert accepted.status == 202, accepted.body
                jobs[symbol] = accepted.json()["job_id"]
            assert gate.started.wait(WAIT_S)
            waiting = _by_symbol(api)
            one = api.get("/market-data/sync-status/NASDAQ/MSFT")
            gate.release.set()
            assert queue.wait_idle(WAIT_S)
            finished = _by_symbol(api)
        finally:
            gate.release.set()
            queue.close()

    assert waiting["AAPL"]["status"] == "pending" and waiting["AAPL"]["bar_count"] == 0
    assert waiting["AAPL"]["job"]["state"] == "running"
    assert waiting["AAPL"]["job"]["attempts"] == 1
    assert waiting["MSFT"]["job"] == {**waiting["MSFT"]["job"], "state": "queued", "attempts": 0}
    assert one.status == 200 and one.json()["job"]["job_id"] == jobs["MSFT"]
    for symbol in ("AAPL", "MSFT"):
        assert finished[symbol]["status"] == "ok"
        assert finished[symbol]["bar_count"] == 40
        assert finished[symbol]["job"]["job_id"] == jobs[symbol]
        assert finished[symbol]["job"]["state"] == "done"


def test_a_job_that_fails_every_try_shows_dead_lettered_in_the_status(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, tradingview_url="ws://127.0.0.1:9/x", tradingview_timeout=2
    )
    with installed_services(settings) as services:
        queue = _with_queue(services, sync_worker_handler)
        try:
            api = ApiClient()
            accepted = api.post(
                "/market-data/sync/background", {"symbol": "AAPL", "exchange": "NASDAQ"}
            )
            assert accepted.status == 202, accepted.body
            assert queue.wait_idle(WAIT_S)
            status = api.get("/market-data/sync-status/NASDAQ/AAPL")
            dead_letters = queue.dead_letters
        finally:
            queue.close()

    body = status.json()
    assert body["status"] == "failed"
    assert body["job"]["state"] == "dead_lettered" and body["job"]["attempts"] == 3
    assert "failed 3 times and was dead-lettered" in body["error_message"]
    assert len(dead_letters) == 1
