"""The two ``SyncQueue``s: SQS (moto) and the in-process worker over the same handler."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.queue.in_process import InProcessSyncQueue
from adapters.queue.sqlite_jobs import SqliteJobTable
from adapters.queue.sqs import SqsSyncQueue
from application.background import QueueUnavailable, SyncJob
from local.lambda_context import LocalLambdaContext


class CountingClient:
    """Passes calls to the moto client and counts the batch calls."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.batch_calls: list[int] = []

    def send_message(self, **kwargs: Any) -> Any:
        return self.client.send_message(**kwargs)

    def send_message_batch(self, **kwargs: Any) -> Any:
        self.batch_calls.append(len(kwargs["Entries"]))
        return self.client.send_message_batch(**kwargs)


def _jobs(count: int) -> list[SyncJob]:
    return [SyncJob(symbol=f"T{n}", exchange="NASDAQ") for n in range(count)]


def test_sqs_queue_sends_one_message_per_job_ten_per_call(sqs: tuple[Any, str]) -> None:
    client, url = sqs
    counting = CountingClient(client)

    SqsSyncQueue(url, counting).enqueue_many(_jobs(23))  # type: ignore[arg-type]

    assert counting.batch_calls == [10, 10, 3]
    attributes = client.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "23"


def test_sqs_queue_message_is_the_job_as_json(sqs: tuple[Any, str]) -> None:
    client, url = sqs
    job = SyncJob(symbol="AAPL", exchange="NASDAQ", interval="1h", n_bars=10, full=True)

    SqsSyncQueue(url, client).enqueue(job)

    body = client.receive_message(QueueUrl=url)["Messages"][0]["Body"]
    assert SyncJob.from_message(json.loads(body)) == job


def test_an_unreachable_queue_is_a_queue_unavailable_error(sqs: tuple[Any, str]) -> None:
    client, url = sqs

    with pytest.raises(QueueUnavailable):
        SqsSyncQueue(url + "-missing", client).enqueue(_jobs(1)[0])


class RecordingHandler:
    """A sync-worker stand-in: records bodies, fails the bodies it is told to."""

    def __init__(self, failing: set[str] | None = None) -> None:
        self.failing = failing or set()
        self.bodies: list[str] = []
        self.receive_counts: list[str] = []

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
        failures = []
        for record in event["Records"]:
            body = json.loads(record["body"])
            self.bodies.append(body["symbol"])
            self.receive_counts.append(record["attributes"]["ApproximateReceiveCount"])
            if body["symbol"] in self.failing:
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}


def _context() -> LambdaContext:
    return LocalLambdaContext("pocketquant-sync-worker")


def test_in_process_queue_runs_jobs_in_order_through_the_handler(tmp_path: Path) -> None:
    handler = RecordingHandler()
    queue = InProcessSyncQueue(handler, _context, tmp_path / "jobs.sqlite3", retry_delay_s=0)
    try:
        queue.enqueue_many(_jobs(5))
        assert queue.wait_idle(5)
    finally:
        queue.close()

    assert handler.bodies == [f"T{n}" for n in range(5)]


def test_a_reported_failure_is_redelivered_then_dead_lettered(tmp_path: Path) -> None:
    handler = RecordingHandler(failing={"T0"})
    dead: list[tuple[str, int]] = []
    queue = InProcessSyncQueue(
        handler,
        _context,
        tmp_path / "jobs.sqlite3",
        max_receive_count=3,
        retry_delay_s=0,
        on_dead_letter=lambda job, attempts: dead.append((job.symbol, attempts)),
    )
    try:
        queue.enqueue_many(_jobs(2))
        assert queue.wait_idle(5)
        dead_letters = queue.dead_letters
    finally:
        queue.close()

    # A retry waits for its delay, so the next job runs first, as SQS would deliver it.
    assert sorted(handler.bodies) == ["T0", "T0", "T0", "T1"]
    assert [
        count
        for body, count in zip(handler.bodies, handler.receive_counts, strict=True)
        if body == "T0"
    ] == ["1", "2", "3"]
    assert [json.loads(body)["symbol"] for body in dead_letters] == ["T0"]
    assert dead == [("T0", 3)]


def test_close_finishes_the_current_job_and_keeps_the_rest_for_the_next_start(
    tmp_path: Path,
) -> None:
    started = threading.Event()
    release = threading.Event()
    seen: list[str] = []

    def slow_handler(event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
        seen.append(json.loads(event["Records"][0]["body"])["symbol"])
        started.set()
        release.wait(5)
        return {"batchItemFailures": []}

    path = tmp_path / "jobs.sqlite3"
    queue = InProcessSyncQueue(slow_handler, _context, path, retry_delay_s=0)
    queue.enqueue_many(_jobs(3))
    assert started.wait(5)
    queue.stop()
    release.set()
    queue.close(timeout=5)

    assert seen == ["T0"]
    with pytest.raises(QueueUnavailable):
        queue.enqueue(_jobs(1)[0])

    handler = RecordingHandler()
    restarted = InProcessSyncQueue(handler, _context, path, retry_delay_s=0)
    try:
        assert restarted.wait_idle(5)
        states = {
            view.key.symbol.ticker: view.state.value for view in restarted.latest_jobs().values()
        }
    finally:
        restarted.close()
    assert handler.bodies == ["T1", "T2"]
    assert states == {"T0": "done", "T1": "done", "T2": "done"}


def test_a_job_running_when_its_process_died_is_delivered_again_then_dead_lettered(
    tmp_path: Path,
) -> None:
    """What kill -9 leaves: a job marked running by a process that is gone."""
    path = tmp_path / "jobs.sqlite3"
    now = time.time()
    table = SqliteJobTable(path)
    table.add("m-1", _jobs(1)[0], now=now)
    for _ in range(3):
        received, _ = table.receive(now, visibility_s=1800, max_receive_count=3)
        assert received is not None
        table.retry_later(received.message_id, now, now)
    received, _ = table.receive(now, visibility_s=1800, max_receive_count=3)
    assert received is None  # received 3 times: the 4th receive dead-letters it
    table.close()

    table = SqliteJobTable(path)
    table.add("m-2", SyncJob(symbol="T9", exchange="NASDAQ"), now=now)
    running, _ = table.receive(now, visibility_s=1800, max_receive_count=3)
    assert running is not None
    table.close()
    # The job is running, hidden for 30 minutes, and its process dies. A new start:
    handler = RecordingHandler()
    queue = InProcessSyncQueue(handler, _context, path, retry_delay_s=0)
    try:
        assert queue.wait_idle(5)
        dead_letters = queue.dead_letters
    finally:
        queue.close()
    assert handler.bodies == ["T9"]
    assert handler.receive_counts == ["2"]
    assert [json.loads(body)["symbol"] for body in dead_letters] == ["T0"]
