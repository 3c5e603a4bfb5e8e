"""A sync job's outcome reaches the EventBridge bus (moto) as BarsSynced or SyncFailed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from adapters.events.eventbridge import EventBridgePublisher
from adapters.queue.job_message import encode_job
from adapters.stores.sqlite_store import SqliteBarStore
from adapters.tradingview.client import TradingViewHistoryClient
from application.background import SyncJob
from config.settings import Settings
from functions.sync_worker.worker import JobOutcome, SyncWorker
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig

SIM_NOW = 1_710_532_800  # 2024-03-15 20:00 UTC
BUS = "pocketquant-events"


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with RunningSimulator(SimulatorConfig(now=SIM_NOW, symbol_error_delay=0.0)) as running:
        yield running


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, str]]:
    """A bus whose every pocketquant event is copied to an SQS queue the test reads."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
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

    report = worker.run(encode_job(SyncJob(symbol="AAPL", exchange="NASDAQ", n_bars=40)))

    assert report.outcome is JobOutcome.SYNCED
    [event] = _bus_events(sqs, url)
    assert event["detail-type"] == "BarsSynced"
    assert event["detail"]["symbol"] == "AAPL"
    assert event["detail"]["bars_synced"] == 40


def test_a_job_for_an_unknown_symbol_publishes_sync_failed(
    worker: SyncWorker, bus: tuple[Any, Any, str]
) -> None:
    _, sqs, url = bus

    report = worker.run(encode_job(SyncJob(symbol="NOSUCHCO", exchange="NASDAQ")))

    assert report.outcome is JobOutcome.REJECTED
    [event] = _bus_events(sqs, url)
    assert event["detail-type"] == "SyncFailed"
    assert event["detail"]["error_code"] == "symbol_not_found"
