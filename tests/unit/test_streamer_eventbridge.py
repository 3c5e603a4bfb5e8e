"""``BarCompleted`` and friends to EventBridge: batches of 10, rejected entries retried,
what stays rejected raised. On moto, with a rule sending the bus's events to SQS so the
test reads back what EventBridge delivered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from adapters.events.eventbridge import EventBridgePublisher
from domain.bars import Bar, SeriesKey
from domain.errors import EventsUnavailable
from domain.events import BarCompleted, SyncFailed
from domain.intervals import Interval
from domain.symbols import Symbol

BUS = "pocketquant-test"
REGION = "us-east-1"
KEY = SeriesKey(Symbol("BINANCE", "BTCUSDT"), Interval.M1)


def completed(count: int) -> list[BarCompleted]:
    return [
        BarCompleted(1_710_532_800.0 + i, KEY, Bar(1_710_532_800 + 60 * i, 1.0, 2.0, 0.5, 1.5, 3.0))
        for i in range(count)
    ]


@pytest.fixture
def aws(mocked_aws: None) -> Iterator[tuple[Any, str]]:
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    events.create_event_bus(Name=BUS)
    queue_url = sqs.create_queue(QueueName="delivered")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="everything",
        EventBusName=BUS,
        EventPattern=json.dumps({"source": ["pocketquant"]}),
    )
    events.put_targets(Rule="everything", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
    yield events, queue_url


def delivered(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


class CountingClient:
    """The real (moto) client, counting calls and rejecting entries on request."""

    def __init__(self, client: Any, reject: list[int] | None = None) -> None:
        self.client = client
        self.calls: list[int] = []
        self.reject = list(reject or [])

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls.append(len(Entries))
        rejected = self.reject.pop(0) if self.reject else 0
        taken = self.client.put_events(Entries=Entries[rejected:]) if Entries[rejected:] else {}
        results = [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}] * rejected
        results += taken.get("Entries", [])
        return {"FailedEntryCount": rejected, "Entries": results}


def test_events_go_out_in_batches_of_ten(aws: tuple[Any, str]) -> None:
    client, queue_url = aws
    counting: Any = CountingClient(client)
    publisher = EventBridgePublisher(BUS, client=counting)
    publisher.publish(completed(23))
    assert counting.calls == [10, 10, 3]
    found = delivered(queue_url)
    assert len(found) == 23
    first = min(found, key=lambda e: e["detail"]["time"])
    assert first["source"] == "pocketquant" and first["detail-type"] == "BarCompleted"
    assert first["detail"] == {
        "occurred_at": 1_710_532_800.0,
        "exchange": "BINANCE",
        "symbol": "BTCUSDT",
        "interval": "1m",
        "time": 1_710_532_800,
        "open": 1.0,
        "high": 2.0,
        "low": 0.5,
        "close": 1.5,
        "volume": 3.0,
    }


def test_rejected_entries_are_sent_again(aws: tuple[Any, str]) -> None:
    client, queue_url = aws
    counting: Any = CountingClient(client, reject=[2, 1])
    pauses: list[float] = []
    publisher = EventBridgePublisher(BUS, client=counting, sleep=pauses.append)
    publisher.publish([*completed(3), SyncFailed(1.0, KEY, "feed_unavailable", "down")])
    assert counting.calls == [4, 2, 1]
    assert pauses == [0.1, 0.2]
    assert len(delivered(queue_url)) == 4


def test_what_stays_rejected_is_raised_not_dropped(aws: tuple[Any, str]) -> None:
    client, _ = aws
    counting: Any = CountingClient(client, reject=[1] * 10)  # one entry of every call
    publisher = EventBridgePublisher(
        BUS,
        client=counting,
        max_attempts=3,
        sleep=lambda _: None,
    )
    with pytest.raises(EventsUnavailable, match="did not take 2 of 12 events") as raised:
        publisher.publish(completed(12))
    assert "ThrottlingException" in raised.value.message


def test_a_missing_bus_is_an_error_with_the_reason(aws: tuple[Any, str]) -> None:
    client, _ = aws
    publisher = EventBridgePublisher("no-such-bus", client=client, max_attempts=1)
    with pytest.raises(EventsUnavailable):
        publisher.publish(completed(1))
