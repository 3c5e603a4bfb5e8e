"""The sync-worker handler on SQS batches (moto) with the simulator as TradingView."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.queue.sqs import SqsSyncQueue
from application.background import SyncJob
from config.settings import Settings
from config.timeouts import SYNC_MAX_RECEIVES
from domain.bars import SeriesKey
from domain.errors import FeedRefused
from domain.intervals import Interval
from domain.series import SyncState
from domain.symbols import Symbol
from functions.sync_worker.handler import handler
from local.lambda_context import LocalLambdaContext
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig
from wiring.services import Services, use_services

SIM_NOW = 1_710_532_800  # 2024-03-15 20:00 UTC
AAPL = SeriesKey(Symbol("NASDAQ", "AAPL"), Interval.D1)
UNKNOWN = SeriesKey(Symbol("NASDAQ", "NOSUCHCO"), Interval.D1)


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with RunningSimulator(SimulatorConfig(now=SIM_NOW, symbol_error_delay=0.0)) as running:
        yield running


@pytest.fixture
def services(tmp_path: Path, simulator: RunningSimulator) -> Iterator[Services]:
    settings = Settings(data_dir=tmp_path, tradingview_url=simulator.url, tradingview_timeout=5)
    container = Services(settings)
    previous = use_services(container)
    yield container
    use_services(previous)
    container.close()


def _delivered_batch(client: Any, url: str) -> dict[str, Any]:
    """What Lambda's SQS event source would hand the function for the queued messages."""
    messages = client.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", [])
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:pocketquant-sync",
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }


def _job(key: SeriesKey, n_bars: int = 300) -> SyncJob:
    return SyncJob(
        symbol=key.symbol.ticker,
        exchange=key.symbol.exchange,
        interval=key.interval.value,
        n_bars=n_bars,
    )


def _invoke(event: dict[str, Any]) -> set[str]:
    response = handler(event, LocalLambdaContext("pocketquant-sync-worker"))
    return {failure["itemIdentifier"] for failure in response["batchItemFailures"]}


def test_a_queued_job_is_synced_into_the_store(services: Services, sqs: tuple[Any, str]) -> None:
    client, url = sqs
    SqsSyncQueue(url, client).enqueue(_job(AAPL))

    failures = _invoke(_delivered_batch(client, url))

    assert failures == set()
    status = services.store.get_status(AAPL)
    assert status is not None and status.status is SyncState.OK
    assert services.store.count_bars(AAPL) == 300


def test_an_unknown_symbol_is_recorded_and_consumed_not_retried(
    services: Services, sqs: tuple[Any, str]
) -> None:
    client, url = sqs
    SqsSyncQueue(url, client).enqueue_many([_job(UNKNOWN), _job(AAPL, 50)])

    failures = _invoke(_delivered_batch(client, url))

    assert failures == set()
    status = services.store.get_status(UNKNOWN)
    assert status is not None and status.status is SyncState.FAILED
    assert status.error_code == "symbol_not_found"
    assert services.store.count_bars(AAPL) == 50


def test_a_message_that_is_not_a_job_is_consumed(services: Services, sqs: tuple[Any, str]) -> None:
    client, url = sqs
    client.send_message(QueueUrl=url, MessageBody="not json")
    client.send_message(QueueUrl=url, MessageBody=json.dumps({"symbol": "AAPL"}))

    assert _invoke(_delivered_batch(client, url)) == set()


def test_an_unreachable_feed_reports_only_that_record_for_retry(
    tmp_path: Path, sqs: tuple[Any, str], simulator: RunningSimulator
) -> None:
    client, url = sqs
    # A closed port: every connection is refused, as when TradingView is down.
    settings = Settings(
        data_dir=tmp_path, tradingview_url="ws://127.0.0.1:9/x", tradingview_timeout=2
    )
    container = Services(settings)
    previous = use_services(container)
    try:
        SqsSyncQueue(url, client).enqueue_many([_job(AAPL), _job(UNKNOWN)])
        event = _delivered_batch(client, url)
        failures = _invoke(event)
    finally:
        use_services(previous)
        container.close()

    # Both fail on the feed: neither is a permanent failure, so both are handed back.
    assert failures == {record["messageId"] for record in event["Records"]}
    status = container.store.get_status(AAPL)
    assert status is not None and status.error_code == "feed_unavailable"


def _open_breaker(services: Services) -> None:
    breaker = services.tradingview_guard.breaker
    for _ in range(breaker.policy.threshold):
        breaker.leave(FeedRefused("TradingView refused the websocket handshake with HTTP 429"))


def _counts(client: Any, url: str) -> tuple[int, int]:
    """(messages visible, messages delayed) on the queue."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"]
    found = client.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(found[names[0]]), int(found[names[1]])


def test_a_job_held_back_by_the_open_breaker_goes_back_on_the_queue_for_later(
    tmp_path: Path, sqs: tuple[Any, str], simulator: RunningSimulator
) -> None:
    client, url = sqs
    settings = Settings(data_dir=tmp_path, tradingview_url=simulator.url, sync_queue_url=url)
    with Services(settings) as services:
        previous = use_services(services)
        try:
            _open_breaker(services)
            before = simulator.simulator.stats.connections_opened
            SqsSyncQueue(url, client).enqueue(_job(AAPL))

            failures = _invoke(_delivered_batch(client, url))

            assert failures == set()  # consumed: it went back as a new, delayed message
            assert _counts(client, url) == (0, 1)
            assert services.store.get_status(AAPL) is None  # it never ran: nothing to record
            assert simulator.simulator.stats.connections_opened == before
        finally:
            use_services(previous)


def test_a_failure_on_the_last_receive_is_recorded_as_dead_lettered(
    tmp_path: Path, sqs: tuple[Any, str]
) -> None:
    """SQS moves the message to the dead-letter queue after this receive; the series'
    status says so, with the last error, and a SyncFailed event tells subscribers."""
    client, url = sqs
    settings = Settings(
        data_dir=tmp_path, tradingview_url="ws://127.0.0.1:9/x", tradingview_timeout=2
    )
    container = Services(settings)
    previous = use_services(container)
    try:
        job = _job(AAPL)
        SqsSyncQueue(url, client).enqueue(job)
        for receive in range(1, SYNC_MAX_RECEIVES + 1):
            event = _delivered_batch(client, url)
            assert event["Records"][0]["attributes"]["ApproximateReceiveCount"] == str(receive)
            assert _invoke(event)  # handed back every time
            status = container.store.get_status(AAPL)
            assert status is not None
            expected = "dead_lettered" if receive == SYNC_MAX_RECEIVES else "feed_unavailable"
            assert status.error_code == expected
            client.change_message_visibility(
                QueueUrl=url,
                ReceiptHandle=event["Records"][0]["receiptHandle"],
                VisibilityTimeout=0,
            )
    finally:
        use_services(previous)
        container.close()

    assert status is not None and status.status is SyncState.FAILED
    assert status.error_message is not None
    assert f"{job.job_id} failed {SYNC_MAX_RECEIVES} times and was dead-lettered" in (
        status.error_message
    )
    assert "last error:" in status.error_message and "127.0.0.1:9" in status.error_message
