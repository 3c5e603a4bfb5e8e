"""A sync's outcome reaches the EventBridge bus (moto) as BarsSynced or SyncFailed: from the
worker itself, and through the api and sync-worker handlers when ``PQ_EVENT_BUS_NAME`` is set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from adapters.events import eventbridge
from adapters.events.eventbridge import EventBridgePublisher
from adapters.stores.sqlite_store import SqliteBarStore
from adapters.tradingview.client import TradingViewHistoryClient
from application.background import SyncJob
from config.settings import Settings
from domain.bars import SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol
from functions.sync_worker.handler import handler as sync_worker_handler
from functions.sync_worker.worker import JobOutcome, SyncWorker
from local.lambda_context import LocalLambdaContext
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig
from tests.api_support import ApiClient, installed_services
from tests.fixtures.aws import sqs_event
from wiring.services import Services

SIM_NOW = 1_710_532_800  # 2024-03-15 20:00 UTC
BUS = "pocketquant-events"


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with RunningSimulator(SimulatorConfig(now=SIM_NOW, symbol_error_delay=0.0)) as running:
        yield running


@pytest.fixture
def bus(mocked_aws: None) -> Iterator[tuple[Any, Any, str]]:
    """A bus whose every pocketquant event is copied to an SQS queue the test reads."""
    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    events.create_event_bus(Name=BUS)
    url = sqs.create_queue(QueueName="bus-copy")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": ["pocketquant"]})
    )
    events.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "copy", "Arn": arn}])
    yield events, sqs, url


@pytest.fixture
def worker(
    tmp_path: Path, simulator: RunningSimulator, bus: tuple[Any, Any, str]
) -> Iterator[SyncWorker]:
    settings = Settings(data_dir=tmp_path, tradingview_url=simulator.url, tradingview_timeout=5)
    store = SqliteBarStore(settings.sqlite_path)
    yield SyncWorker(
        store=store,
        feed=TradingViewHistoryClient.from_settings(settings),
        events=EventBridgePublisher(BUS, client=bus[0]),
    )
    store.close()


def _bus_events(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_a_synced_job_publishes_bars_synced(worker: SyncWorker, bus: tuple[Any, Any, str]) -> None:
    _, sqs, url = bus

    report = worker.run(SyncJob(symbol="AAPL", exchange="NASDAQ", n_bars=40).to_body())

    assert report.outcome is JobOutcome.SYNCED
    [event] = _bus_events(sqs, url)
    assert event["detail-type"] == "BarsSynced"
    assert event["detail"]["symbol"] == "AAPL"
    assert event["detail"]["bars_synced"] == 40


def test_a_job_for_an_unknown_symbol_publishes_sync_failed(
    worker: SyncWorker, bus: tuple[Any, Any, str]
) -> None:
    _, sqs, url = bus

    report = worker.run(SyncJob(symbol="NOSUCHCO", exchange="NASDAQ").to_body())

    assert report.outcome is JobOutcome.REJECTED
    [event] = _bus_events(sqs, url)
    assert event["detail-type"] == "SyncFailed"
    assert event["detail"]["error_code"] == "symbol_not_found"


# --- through the handlers, with the bus named in the settings ------------------------------


@pytest.fixture
def bus_services(
    tmp_path: Path, simulator: RunningSimulator, bus: tuple[Any, Any, str]
) -> Iterator[Services]:
    """The container every handler uses, configured with ``PQ_EVENT_BUS_NAME``."""
    settings = Settings(
        data_dir=tmp_path,
        tradingview_url=simulator.url,
        tradingview_timeout=5,
        event_bus_name=BUS,
    )
    with installed_services(settings) as services:
        yield services


def test_a_sync_through_the_api_handler_puts_bars_synced_on_the_bus(
    bus_services: Services, bus: tuple[Any, Any, str]
) -> None:
    _, sqs, url = bus

    response = ApiClient().post(
        "/market-data/sync", {"symbol": "AAPL", "exchange": "NASDAQ", "n_bars": 30}
    )

    assert response.status == 200, response.body
    [event] = _bus_events(sqs, url)
    assert event["source"] == "pocketquant"
    assert event["detail-type"] == "BarsSynced"
    assert (event["detail"]["exchange"], event["detail"]["symbol"]) == ("NASDAQ", "AAPL")
    assert event["detail"]["bars_synced"] == 30


def test_a_job_through_the_sync_worker_handler_puts_bars_synced_on_the_bus(
    bus_services: Services, bus: tuple[Any, Any, str]
) -> None:
    _, sqs, url = bus

    response = sync_worker_handler(
        sqs_event(SyncJob(symbol="MSFT", exchange="NASDAQ", n_bars=25)),
        LocalLambdaContext("pocketquant-sync-worker"),
    )

    assert response["batchItemFailures"] == []
    [event] = _bus_events(sqs, url)
    assert event["detail-type"] == "BarsSynced"
    assert event["detail"]["symbol"] == "MSFT"
    assert event["detail"]["bars_synced"] == 25


def test_with_a_bus_a_background_sync_still_refreshes_a_cached_read(
    bus_services: Services, bus: tuple[Any, Any, str]
) -> None:
    api = ApiClient()
    api.post("/market-data/sync", {"symbol": "NVDA", "exchange": "NASDAQ", "n_bars": 20})
    cached = api.get("/market-data/ohlcv/NASDAQ/NVDA")
    assert api.get("/market-data/ohlcv/NASDAQ/NVDA").headers["x-cache"] == "hit"

    sync_worker_handler(
        sqs_event(SyncJob(symbol="NVDA", exchange="NASDAQ", n_bars=50, full=True)),
        LocalLambdaContext("pocketquant-sync-worker"),
    )
    after = api.get("/market-data/ohlcv/NASDAQ/NVDA")

    assert cached.json()["count"] == 20
    assert after.json()["count"] == 50


def test_a_bus_that_refuses_the_event_is_a_503_and_the_bars_stay_stored(
    tmp_path: Path,
    simulator: RunningSimulator,
    bus: tuple[Any, Any, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(eventbridge, "_FIRST_PAUSE_SECONDS", 0.0)
    settings = Settings(
        data_dir=tmp_path,
        tradingview_url=simulator.url,
        tradingview_timeout=5,
        event_bus_name="no-such-bus",
    )
    with installed_services(settings) as services:
        response = ApiClient().post(
            "/market-data/sync", {"symbol": "AAPL", "exchange": "NASDAQ", "n_bars": 30}
        )
        stored = services.store.count_bars(SeriesKey(Symbol("NASDAQ", "AAPL"), Interval.D1))

    assert response.status == 503, response.body
    assert response.error["code"] == "events_unavailable"
    assert "no-such-bus" in response.error["message"]
    assert stored == 30
