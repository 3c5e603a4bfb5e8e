"""The scheduler handler: a schedule's firing becomes one SQS message per tracked series."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.schedules import schedule_by_name
from config.settings import Settings
from domain.bars import SeriesKey
from domain.intervals import Interval
from domain.series import SyncState, SyncStatus
from domain.symbols import Symbol
from functions.scheduler.handler import UnknownSchedule, handler
from local.lambda_context import LocalLambdaContext
from wiring.services import Services, use_services

EVERY_6H = "sync-all-every-6h"
MARKET_HOURS = "sync-daily-market-hours"


@pytest.fixture
def services(tmp_path: Path, sqs: tuple[Any, str]) -> Iterator[Services]:
    _, url = sqs
    # As on AWS: the queue is the one PQ_SYNC_QUEUE_URL names.
    container = Services(Settings(data_dir=tmp_path, sync_queue_url=url))
    previous = use_services(container)
    yield container
    use_services(previous)
    container.close()


def _track(services: Services, text: str, interval: str, error_code: str | None = None) -> None:
    services.store.put_status(
        SyncStatus(
            key=SeriesKey(Symbol.parse(text), Interval.parse(interval)),
            status=SyncState.FAILED if error_code else SyncState.OK,
            error_code=error_code,
        )
    )


def _queued(client: Any, url: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    while True:
        messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        bodies.extend(json.loads(m["Body"]) for m in messages)
        client.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )


def _fire(name: str, **extra: Any) -> dict[str, Any]:
    event = {**schedule_by_name(name).target_input((), ("1d", "1h")), **extra}
    return handler(event, LocalLambdaContext("pocketquant-scheduler"))


def test_every_tracked_series_gets_one_job(services: Services, sqs: tuple[Any, str]) -> None:
    client, url = sqs
    tickers = [f"T{n:02d}" for n in range(23)]  # more than two SendMessageBatch calls
    for ticker in tickers:
        _track(services, f"NASDAQ:{ticker}", "1d")
    _track(services, "BINANCE:BTCUSDT", "1h")
    _track(services, "BINANCE:BTCUSDT", "1d")

    reply = _fire(EVERY_6H)

    jobs = _queued(client, url)
    assert reply == {"schedule": EVERY_6H, "enqueued": 25}
    assert sorted((j["exchange"], j["symbol"], j["interval"]) for j in jobs) == sorted(
        [("NASDAQ", t, "1d") for t in tickers]
        + [("BINANCE", "BTCUSDT", "1h"), ("BINANCE", "BTCUSDT", "1d")]
    )
    assert len({j["job_id"] for j in jobs}) == 25
    assert all(j["full"] is False for j in jobs)


def test_a_schedule_limited_to_daily_bars_skips_other_intervals(
    services: Services, sqs: tuple[Any, str]
) -> None:
    client, url = sqs
    _track(services, "NASDAQ:AAPL", "1d")
    _track(services, "NASDAQ:AAPL", "1h")

    reply = _fire(MARKET_HOURS)

    assert reply["enqueued"] == 1
    assert [(j["symbol"], j["interval"]) for j in _queued(client, url)] == [("AAPL", "1d")]


def test_symbols_named_by_the_schedule_input_are_synced_once(
    services: Services, sqs: tuple[Any, str]
) -> None:
    client, url = sqs
    _track(services, "NASDAQ:AAPL", "1d")

    reply = _fire(MARKET_HOURS, symbols=["NASDAQ:AAPL", "nyse:ibm", "not a symbol"])

    assert reply["enqueued"] == 2
    assert sorted(j["symbol"] for j in _queued(client, url)) == ["AAPL", "IBM"]


def test_a_series_whose_symbol_does_not_exist_is_not_retried_every_time(
    services: Services, sqs: tuple[Any, str]
) -> None:
    client, url = sqs
    _track(services, "NASDAQ:AAPL", "1d", error_code="feed_unavailable")
    _track(services, "NASDAQ:NOSUCHCO", "1d", error_code="symbol_not_found")

    _fire(EVERY_6H)

    assert [j["symbol"] for j in _queued(client, url)] == ["AAPL"]


def test_no_tracked_series_enqueues_nothing(services: Services, sqs: tuple[Any, str]) -> None:
    client, url = sqs

    assert _fire(EVERY_6H)["enqueued"] == 0
    assert _queued(client, url) == []


def test_an_unknown_schedule_fails_the_invocation(services: Services) -> None:
    with pytest.raises(UnknownSchedule):
        handler({"schedule": "nope"}, LocalLambdaContext("pocketquant-scheduler"))
