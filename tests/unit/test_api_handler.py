"""The api handler on fakes: metrics in EMF, correlation ids, guards before the routes."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from domain.bars import Bar
from domain.errors import FeedUnavailable
from functions.api.handler import handler
from local.lambda_context import LocalLambdaContext
from local.proxy_event import HttpRequest, proxy_event
from tests.fakes import FakeBarStore, FakeFeed
from wiring.services import Services, use_services

BARS = [Bar(1_710_000_000 + i * 86_400, 10, 12, 9, 11, 100) for i in range(30)]
SYNC = json.dumps({"symbol": "AAPL", "exchange": "NASDAQ", "n_bars": 30}).encode()


@pytest.fixture
def feed() -> FakeFeed:
    return FakeFeed(BARS)


@pytest.fixture
def services(tmp_path: Path, feed: FakeFeed) -> Iterator[Services]:
    container = Services(Settings(data_dir=tmp_path), store=FakeBarStore(), feed=feed)
    previous = use_services(container)
    yield container
    use_services(previous)


def _call(
    method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    pairs = list((headers or {"Content-Type": "application/json"}).items())
    event = proxy_event(HttpRequest(method, target, pairs, body, "127.0.0.1"))
    return handler(event, LocalLambdaContext("pocketquant-api"))


def _metrics(output: str) -> list[dict[str, Any]]:
    """The EMF documents Powertools printed, one per invocation."""
    documents = [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]
    for document in documents:
        assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PocketQuant"
    return documents


def test_syncs_and_cache_use_are_counted_in_emf(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _call("POST", "/market-data/sync", SYNC)["statusCode"] == 200
    assert _call("GET", "/market-data/ohlcv/NASDAQ/AAPL")["statusCode"] == 200
    assert _call("GET", "/market-data/ohlcv/NASDAQ/AAPL")["statusCode"] == 200
    documents = _metrics(capsys.readouterr().out)
    synced, miss, hit = (d for d in documents if "RequestLatency" in d)
    assert synced["BarsSynced"] == [30.0]
    assert miss["CacheMisses"] == [1.0] and "CacheHits" not in miss
    assert hit["CacheHits"] == [1.0]
    assert all(d["RequestLatency"][0] > 0 for d in (synced, miss, hit))


def test_a_failed_sync_is_counted(
    services: Services, feed: FakeFeed, capsys: pytest.CaptureFixture[str]
) -> None:
    feed.error = FeedUnavailable("TradingView did not answer")
    result = _call("POST", "/market-data/sync", SYNC)
    assert result["statusCode"] == 503
    assert json.loads(result["body"])["error"]["message"] == "TradingView did not answer"
    (document,) = [d for d in _metrics(capsys.readouterr().out) if "SyncFailures" in d]
    assert document["SyncFailures"] == [1.0]


def test_every_answer_carries_the_correlation_id_even_before_routing(services: Services) -> None:
    headers = {"Content-Type": "application/json", "X-Correlation-ID": "abc-123"}
    too_big = _call("POST", "/market-data/sync", b"{" + b" " * 70_000 + b"}", headers)
    assert too_big["statusCode"] == 413
    assert too_big["multiValueHeaders"]["X-Correlation-ID"] == ["abc-123"]
    assert json.loads(too_big["body"])["error"]["correlation_id"] == "abc-123"


def test_a_binary_body_is_refused_as_malformed(services: Services) -> None:
    event = proxy_event(
        HttpRequest(
            "POST", "/market-data/sync", [("Content-Type", "application/json")], b"\xff\xfe", "::1"
        )
    )
    assert event["isBase64Encoded"] and base64.b64decode(event["body"]) == b"\xff\xfe"
    result = handler(event, LocalLambdaContext("pocketquant-api"))
    assert result["statusCode"] == 400
    assert json.loads(result["body"])["error"]["code"] == "malformed_json"


def test_a_replayed_sync_does_not_reach_the_feed(services: Services, feed: FakeFeed) -> None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": "unit-1"}
    first = _call("POST", "/market-data/sync", SYNC, headers)
    again = _call("POST", "/market-data/sync", SYNC, headers)
    assert len(feed.requests) == 1
    assert again["body"] == first["body"]
    assert again["multiValueHeaders"]["Idempotent-Replayed"] == ["true"]


class GatedFeed(FakeFeed):
    """Holds every fetch until ``release`` is set; ``entered`` tells that one is waiting."""

    def __init__(self, bars: list[Bar]) -> None:
        super().__init__(bars)
        self.entered = threading.Event()
        self.release = threading.Event()

    async def fetch_history(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        await asyncio.to_thread(self.release.wait, 10)
        return await super().fetch_history(*args, **kwargs)


def test_a_retry_while_the_first_request_runs_is_a_409(tmp_path: Path) -> None:
    feed = GatedFeed(BARS)
    container = Services(Settings(data_dir=tmp_path), store=FakeBarStore(), feed=feed)
    previous = use_services(container)
    headers = {"Content-Type": "application/json", "Idempotency-Key": "slow-1"}
    results: list[dict[str, Any]] = []
    first = threading.Thread(
        target=lambda: results.append(_call("POST", "/market-data/sync", SYNC, headers))
    )
    try:
        first.start()
        assert feed.entered.wait(10)
        retry = _call("POST", "/market-data/sync", SYNC, headers)
        feed.release.set()
        first.join(10)
        assert retry["statusCode"] == 409
        assert json.loads(retry["body"])["error"]["code"] == "idempotency_in_progress"
        assert results[0]["statusCode"] == 200
        assert _call("POST", "/market-data/sync", SYNC, headers)["body"] == results[0]["body"]
        assert len(feed.requests) == 1
    finally:
        feed.release.set()
        first.join(10)
        use_services(previous)


def test_a_request_answered_while_another_runs_does_not_disturb_it(tmp_path: Path) -> None:
    """The local gateway calls the handler from many threads at once."""
    feed = GatedFeed(BARS)
    container = Services(Settings(data_dir=tmp_path), store=FakeBarStore(), feed=feed)
    previous = use_services(container)
    results: list[dict[str, Any]] = []
    slow = threading.Thread(target=lambda: results.append(_call("POST", "/market-data/sync", SYNC)))
    try:
        slow.start()
        assert feed.entered.wait(10)
        quick = _call("GET", "/market-data/symbols?exchange=NYSE", headers={})
        feed.release.set()
        slow.join(10)
        assert quick["statusCode"] == 200 and json.loads(quick["body"])["count"] == 0
        assert results[0]["statusCode"] == 200, results[0]["body"]
        assert json.loads(results[0]["body"])["bars_synced"] == 30
    finally:
        feed.release.set()
        slow.join(10)
        use_services(previous)


def test_a_broken_cache_is_counted_but_never_fails_a_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.unit.test_api_query_cache import BrokenCache

    container = Services(
        Settings(data_dir=tmp_path), store=FakeBarStore(), feed=FakeFeed(BARS), cache=BrokenCache()
    )
    previous = use_services(container)
    try:
        assert _call("POST", "/market-data/sync", SYNC)["statusCode"] == 200
        read = _call("GET", "/market-data/ohlcv/NASDAQ/AAPL")
        assert read["statusCode"] == 200 and read["multiValueHeaders"]["X-Cache"] == ["bypass"]
        health = json.loads(_call("GET", "/health")["body"])
        assert health["status"] == "degraded" and health["checks"]["cache"]["status"] == "down"
    finally:
        use_services(previous)
    sync_metrics, read_metrics, _ = (
        d for d in _metrics(capsys.readouterr().out) if "RequestLatency" in d
    )
    assert sync_metrics["CacheErrors"] == [1.0]  # the invalidation after the sync
    assert read_metrics["CacheErrors"] == [1.0]
