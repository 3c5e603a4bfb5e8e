"""The api handler over real HTTP through the local gateway, with Redis and the simulator.

Each test runs the local stack (gateway, in-process queue and sync worker, simulator) on a
free port with its own SQLite store and an empty private Redis.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from config.settings import Settings
from local.stack import Feed, LocalStack, StackOptions

API_KEY = "k3y-that-must-never-be-logged"
STATUS_POLL_TIMEOUT_S = 10.0


def _start(settings: Settings) -> LocalStack:
    options = StackOptions(port=0, feed=Feed.SIMULATOR, scheduler=False, retry_delay_s=0)
    return LocalStack(settings, options).start()


@pytest.fixture
def stack(tmp_path: Path, redis_url: str) -> Iterator[LocalStack]:
    running = _start(Settings(data_dir=tmp_path, redis_url=redis_url))
    yield running
    running.close()


@pytest.fixture
def keyed_stack(tmp_path: Path, redis_url: str) -> Iterator[LocalStack]:
    running = _start(Settings(data_dir=tmp_path, redis_url=redis_url, api_key=API_KEY))
    yield running
    running.close()


@pytest.fixture
def client(stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url, timeout=20) as http:
        yield http


def _history_requests(stack: LocalStack) -> int:
    assert stack.simulator is not None
    return stack.simulator.simulator.stats.messages_received["create_series"]


def _sync(client: httpx.Client, symbol: str, n_bars: int, **extra: Any) -> httpx.Response:
    body = {"symbol": symbol, "exchange": "NASDAQ", "interval": "1d", "n_bars": n_bars, **extra}
    return client.post("/market-data/sync", json=body)


def _poll(fetch: Callable[[], httpx.Response], done: Callable[[httpx.Response], bool]) -> None:
    """Ask again until ``done``: the job runs on another thread and has no event to await."""
    deadline = time.monotonic() + STATUS_POLL_TIMEOUT_S
    while not done(response := fetch()):
        assert time.monotonic() < deadline, f"gave up waiting; last answer {response.text}"
        time.sleep(0.02)


def test_sync_then_read_the_bars(client: httpx.Client) -> None:
    synced = _sync(client, "AAPL", 120)
    bars = client.get("/market-data/ohlcv/NASDAQ/AAPL", params={"limit": 1000})

    assert synced.status_code == 200, synced.text
    assert synced.json()["bars_synced"] == 120
    assert bars.status_code == 200
    body = bars.json()
    assert body["count"] == 120
    assert body["data"][-1]["datetime"] == synced.json()["last_bar_at"]
    times = [bar["datetime"] for bar in body["data"]]
    assert times == sorted(times)


def test_bulk_sync_with_one_bad_symbol_syncs_the_others(client: httpx.Client) -> None:
    response = client.post(
        "/market-data/sync/bulk",
        json={
            "symbols": [
                {"symbol": "AAPL", "exchange": "NASDAQ"},
                {"symbol": "NOSUCHCO", "exchange": "NASDAQ"},
                {"symbol": "MSFT", "exchange": "NASDAQ"},
            ],
            "interval": "1d",
            "n_bars": 30,
        },
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["succeeded"], body["failed"]) == (2, 1)
    outcomes = [(r["symbol"], r["status"]) for r in body["data"]]
    assert outcomes == [("AAPL", "ok"), ("NOSUCHCO", "failed"), ("MSFT", "ok")]
    assert body["data"][1]["error"]["code"] == "symbol_not_found"
    assert client.get("/market-data/ohlcv/NASDAQ/AAPL").json()["count"] == 30
    assert client.get("/market-data/ohlcv/NASDAQ/MSFT").json()["count"] == 30
    missing = client.get("/market-data/sync-status/NASDAQ/NOSUCHCO", params={"interval": "1d"})
    assert missing.json()["status"] == "failed"


def test_a_background_job_completes_and_shows_in_the_sync_status(client: httpx.Client) -> None:
    accepted = client.post(
        "/market-data/sync/background",
        json={"symbol": "NVDA", "exchange": "NASDAQ", "interval": "1d", "n_bars": 80},
    )

    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["job_id"]

    def status() -> httpx.Response:
        return client.get("/market-data/sync-status/NASDAQ/NVDA", params={"interval": "1d"})

    _poll(status, lambda response: response.status_code == 200)
    series = status().json()
    assert series["status"] == "ok"
    assert series["bar_count"] == 80


def test_a_failed_background_job_is_recorded_and_not_retried(
    stack: LocalStack, client: httpx.Client
) -> None:
    accepted = client.post(
        "/market-data/sync/background", json={"symbol": "NOSUCHCO", "exchange": "NASDAQ"}
    )
    assert accepted.status_code == 202

    def status() -> httpx.Response:
        return client.get("/market-data/sync-status/NASDAQ/NOSUCHCO", params={"interval": "1d"})

    _poll(status, lambda response: response.status_code == 200)
    assert status().json()["status"] == "failed"
    assert stack.queue is not None and stack.queue.wait_idle(5)
    assert stack.queue.dead_letters == []
    assert _history_requests(stack) == 1


def test_a_sync_invalidates_the_cached_read(
    stack: LocalStack, client: httpx.Client, redis_url: str
) -> None:
    _sync(client, "AMZN", 40)
    first = client.get("/market-data/ohlcv/NASDAQ/AMZN")
    again = client.get("/market-data/ohlcv/NASDAQ/AMZN")
    assert first.json() == again.json()
    assert redis.Redis.from_url(redis_url).dbsize() > 0  # the read went through Redis

    _sync(client, "AMZN", 90, full=True)
    after = client.get("/market-data/ohlcv/NASDAQ/AMZN")

    assert first.json()["count"] == 40
    assert after.json()["count"] == 90


def test_an_idempotent_replay_returns_the_first_response_without_a_second_fetch(
    stack: LocalStack, client: httpx.Client
) -> None:
    headers = {"Idempotency-Key": "replay-1"}
    body = {"symbol": "META", "exchange": "NASDAQ", "interval": "1d", "n_bars": 25}

    first = client.post("/market-data/sync", json=body, headers=headers)
    fetches = _history_requests(stack)
    replay = client.post("/market-data/sync", json=body, headers=headers)

    assert first.status_code == 200, first.text
    assert replay.status_code == first.status_code
    assert replay.json() == first.json()
    assert _history_requests(stack) == fetches == 1


def test_the_api_key_is_enforced_when_set(keyed_stack: LocalStack) -> None:
    with httpx.Client(base_url=keyed_stack.url, timeout=20) as http:
        missing = http.get("/market-data/sync-status")
        wrong = http.get("/market-data/sync-status", headers={"x-api-key": "wrong"})
        right = http.get("/market-data/sync-status", headers={"x-api-key": API_KEY})
        health = http.get("/health")

    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "forbidden"
    assert wrong.status_code == 403
    assert right.status_code == 200
    assert health.status_code == 200


def test_twenty_concurrent_clients_are_all_answered(client: httpx.Client) -> None:
    _sync(client, "TSLA", 50)

    def read(_: int) -> tuple[int, int]:
        response = client.get("/market-data/ohlcv/NASDAQ/TSLA", params={"limit": 50})
        return response.status_code, response.json()["count"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(read, range(20)))

    assert answers == [(200, 50)] * 20


def test_the_access_log_line_never_has_the_api_key(
    keyed_stack: LocalStack, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO), httpx.Client(base_url=keyed_stack.url) as http:
        http.get(
            "/market-data/sync-status",
            headers={"x-api-key": API_KEY, "X-Correlation-ID": "corr-no-key"},
        )
        http.get("/market-data/sync-status", headers={"x-api-key": "a-wrong-key"})

    output = capsys.readouterr()
    logged = output.out + output.err + caplog.text
    assert "GET /market-data/sync-status 200" in logged
    assert "correlation_id=corr-no-key" in logged
    assert "GET /market-data/sync-status 403" in logged
    assert API_KEY not in logged
    assert "a-wrong-key" not in logged
