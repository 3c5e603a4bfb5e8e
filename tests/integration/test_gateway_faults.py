"""Bad input and a lost Redis, over real HTTP through the local gateway.

Whatever a client sends, the answer is a 4xx with the error body, never a 5xx, and nothing
already stored is lost; with Redis gone, reads keep working from the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from config.settings import Settings
from local.stack import Feed, LocalStack, StackOptions
from tests.fixtures.redis_server import RedisServer

BARS = "/market-data/ohlcv/NASDAQ/AAPL"


@pytest.fixture
def client(tmp_path: Path, redis_url: str) -> Iterator[httpx.Client]:
    options = StackOptions(port=0, feed=Feed.SIMULATOR, scheduler=False, retry_delay_s=0)
    stack = LocalStack(Settings(data_dir=tmp_path, redis_url=redis_url), options).start()
    try:
        with httpx.Client(base_url=stack.url, timeout=20) as http:
            synced = http.post(
                "/market-data/sync",
                json={"symbol": "AAPL", "exchange": "NASDAQ", "interval": "1d", "n_bars": 50},
            )
            assert synced.status_code == 200, synced.text
            yield http
    finally:
        stack.close()


def _post(path: str, body: Any) -> dict[str, Any]:
    return {"method": "POST", "url": path, "json": body}


MALFORMED: list[tuple[str, dict[str, Any], str | None]] = [
    ("symbol with a space", {"method": "GET", "url": "/market-data/ohlcv/NASDAQ/AA%20PL"}, None),
    ("symbol too long", {"method": "GET", "url": "/market-data/ohlcv/NASDAQ/" + "A" * 41}, None),
    ("unknown interval", {"method": "GET", "url": BARS, "params": {"interval": "7d"}}, "interval"),
    ("limit zero", {"method": "GET", "url": BARS, "params": {"limit": 0}}, "limit"),
    ("limit too big", {"method": "GET", "url": BARS, "params": {"limit": 5001}}, "limit"),
    ("limit not a number", {"method": "GET", "url": BARS, "params": {"limit": "ten"}}, "limit"),
    (
        "start not a date",
        {"method": "GET", "url": BARS, "params": {"start_date": "soon"}},
        "start_date",
    ),
    (
        "start after end",
        {
            "method": "GET",
            "url": BARS,
            "params": {"start_date": "2024-03-10", "end_date": "2024-03-01"},
        },
        "start_date",
    ),
    (
        "broken JSON",
        {
            "method": "POST",
            "url": "/market-data/sync",
            "content": b'{"symbol": ',
            "headers": {"content-type": "application/json"},
        },
        None,
    ),
    ("JSON that is not an object", _post("/market-data/sync", [1, 2]), None),
    ("missing symbol", _post("/market-data/sync", {"exchange": "NASDAQ"}), "symbol"),
    (
        "bad exchange",
        _post("/market-data/sync", {"symbol": "AAPL", "exchange": "NAS/DAQ"}),
        "exchange",
    ),
    (
        "n_bars negative",
        _post("/market-data/sync", {"symbol": "AAPL", "exchange": "NASDAQ", "n_bars": -5}),
        "n_bars",
    ),
    (
        "bulk over 50",
        _post(
            "/market-data/sync/bulk",
            {"symbols": [{"symbol": f"S{i}", "exchange": "NASDAQ"} for i in range(51)]},
        ),
        "symbols",
    ),
    (
        "oversized body",
        {
            "method": "POST",
            "url": "/market-data/sync",
            "content": b"{" + b" " * 70_000 + b"}",
            "headers": {"content-type": "application/json"},
        },
        None,
    ),
    ("unknown route", {"method": "GET", "url": "/market-data/nothing-here"}, None),
    ("wrong method", {"method": "DELETE", "url": "/market-data/sync"}, None),
]


@pytest.mark.parametrize(
    ("case", "request_args", "field"), MALFORMED, ids=[case for case, _, _ in MALFORMED]
)
def test_malformed_input_is_a_4xx_with_the_error_body_and_loses_nothing(
    client: httpx.Client, case: str, request_args: dict[str, Any], field: str | None
) -> None:
    response = client.request(**request_args)

    assert 400 <= response.status_code < 500, f"{case}: {response.status_code} {response.text}"
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert error["correlation_id"] == response.headers["x-correlation-id"]
    if field is not None:
        assert field in (error.get("field") or error["message"])
    assert client.get(BARS).json()["count"] == 50


def test_reads_keep_working_while_redis_is_down(
    client: httpx.Client, redis_server: RedisServer
) -> None:
    first = client.get(BARS, params={"limit": 20})
    cached = client.get(BARS, params={"limit": 20})
    assert cached.headers["x-cache"] == "hit"

    redis_server.stop()
    try:
        during = client.get(BARS, params={"limit": 20})
        health = client.get("/health")
    finally:
        redis_server.start()

    assert during.status_code == 200
    assert during.json() == first.json()
    assert health.status_code == 200
    assert health.json()["checks"]["cache"]["status"] != "ok"
    after = client.get(BARS, params={"limit": 20})
    assert after.status_code == 200 and after.json() == first.json()
