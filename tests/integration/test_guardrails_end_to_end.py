"""The guardrails with the simulator refusing, over real websockets, HTTP and Redis: the
local stack (gateway, queue and sync worker, streamer) against a simulator whose refusals
each test switches on and off while it runs.

Each refusal stops syncs, schedules and the streamer within the breaker's threshold,
``/health`` and ``/quotes/status`` say why, and once the simulator stops refusing everything
resumes by itself after the cool-off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from config.schedules import SCHEDULES
from config.settings import Settings
from local.stack import Feed, LocalStack, StackOptions
from simulator.config import SimulatorConfig
from simulator.stats import SimulatorStats

PASSWORD = "correct horse battery staple"
THRESHOLD = 2
COOLOFF_S = 3.0
RESUME_TIMEOUT_S = 20.0


@pytest.fixture
def stack(tmp_path: Path, redis_url: str) -> Iterator[LocalStack]:
    settings = Settings(
        data_dir=tmp_path,
        redis_url=redis_url,
        tradingview_username="quant",
        tradingview_password=PASSWORD,
        tradingview_breaker_threshold=THRESHOLD,
        tradingview_breaker_cooloff=COOLOFF_S,
        tradingview_breaker_probe_timeout=10.0,
        tradingview_signin_backoff=COOLOFF_S,
        tradingview_request_burst=100,
    )
    options = StackOptions(port=0, feed=Feed.SIMULATOR, scheduler=False, retry_delay_s=0)
    running = LocalStack(settings, options).start()
    yield running
    running.close()


@pytest.fixture
def client(stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url, timeout=30) as http:
        yield http


def _simulator(stack: LocalStack) -> tuple[SimulatorConfig, SimulatorStats]:
    assert stack.simulator is not None
    simulator = stack.simulator.simulator
    return simulator.config, simulator.stats


def _sync(client: httpx.Client, symbol: str = "AAPL", path: str = "") -> httpx.Response:
    body = {"symbol": symbol, "exchange": "NASDAQ", "interval": "1d", "n_bars": 50}
    return client.post(f"/market-data/sync{path}", json=body)


def _until(fetch: Callable[[], httpx.Response], done: Callable[[httpx.Response], bool]) -> Any:
    """Ask again until ``done``: the cool-off is wall-clock time, nothing to await."""
    deadline = time.monotonic() + RESUME_TIMEOUT_S
    while not done(response := fetch()):
        assert time.monotonic() < deadline, f"gave up waiting; last answer {response.text}"
        time.sleep(0.05)
    return response.json()


def _breaker(client: httpx.Client) -> dict[str, Any]:
    health = client.get("/health")
    assert health.status_code == 200, "TradingView refusing is not PocketQuant being down"
    check: dict[str, Any] = health.json()["checks"]["breaker"]
    return check


def test_http_429_stops_syncs_and_schedules_within_the_threshold_then_resumes(
    stack: LocalStack, client: httpx.Client
) -> None:
    config, stats = _simulator(stack)
    assert _sync(client).status_code == 200
    config.refuse_status, config.refuse_retry_after = 429, 7

    first = _sync(client)
    assert first.status_code == 503 and "HTTP 429" in first.json()["error"]["message"]
    assert first.headers["Retry-After"] == "7"  # TradingView's own back-off
    config.refuse_retry_after = None
    second = _sync(client)
    assert second.status_code == 503
    assert second.headers["Retry-After"] == str(int(COOLOFF_S))  # the breaker's cool-off
    assert stats.handshakes_refused == THRESHOLD

    paused = _sync(client, "MSFT")
    assert paused.status_code == 503 and paused.json()["error"]["code"] == "feed_paused"
    assert 1 <= int(paused.headers["Retry-After"]) <= COOLOFF_S
    assert "circuit breaker" in paused.json()["error"]["message"]
    breaker = _breaker(client)
    assert breaker["status"] == "down" and breaker["state"] == "open"
    assert "HTTP 429" in breaker["detail"] and breaker["next_probe_at"] and breaker["since"]
    assert client.get("/health").json()["status"] == "degraded"

    assert stack.fire(SCHEDULES[0])["enqueued"] == 0  # the schedule enqueues nothing
    queued = _sync(client, "MSFT", "/background")
    assert queued.status_code == 202
    assert stats.handshakes_refused == THRESHOLD  # nothing reached TradingView meanwhile

    config.refuse_status = None
    status = _until(
        lambda: client.get("/market-data/sync-status/NASDAQ/MSFT"),
        lambda r: r.status_code == 200 and r.json()["status"] == "ok",
    )
    assert status["bar_count"] == 50  # the queued sync was put back, then ran
    assert _breaker(client)["state"] == "closed"
    assert client.get("/health").json()["status"] == "ok"
    assert _sync(client).status_code == 200
    assert stats.handshakes_refused == THRESHOLD


def test_a_rejected_token_signs_in_once_opens_the_breaker_and_recovers(
    stack: LocalStack, client: httpx.Client
) -> None:
    config, stats = _simulator(stack)
    config.reject_token = True

    answers = [_sync(client) for _ in range(THRESHOLD)]
    assert [a.status_code for a in answers] == [502, 502]
    assert answers[0].json()["error"]["code"] == "authentication_rejected"
    paused = _sync(client)
    assert paused.status_code == 503 and paused.json()["error"]["code"] == "feed_paused"
    assert stats.signins == 1 and stats.auth_rejected == 1  # no sign-in storm
    breaker = _breaker(client)
    assert breaker["state"] == "open" and "rejected" in breaker["detail"]

    config.reject_token = False
    _until(lambda: _sync(client), lambda r: r.status_code == 200)
    assert stats.signins == 2  # one more after the back-off, for the probe
    assert _breaker(client)["state"] == "closed"


def test_the_streamer_holds_off_while_refused_and_says_why(
    stack: LocalStack, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    config, stats = _simulator(stack)
    config.protocol_error = "rate limit exceeded"
    caplog.set_level(logging.INFO)
    client.post("/quotes/subscribe", json={"symbol": "BTCUSDT", "exchange": "BINANCE"})
    client.post("/quotes/start")

    status = _until(
        lambda: client.get("/quotes/status"),
        lambda r: "circuit breaker" in (r.json()["disconnected_reason"] or ""),
    )
    assert status["connected"] is False and status["last_error_at"]
    assert "protocol error: rate limit exceeded" in status["disconnected_reason"]
    assert stats.connections_opened <= THRESHOLD + 1  # then one probe per cool-off at most
    assert "connected to TradingView" not in caplog.messages
    feed = client.get("/health").json()["checks"]["feed"]
    assert feed["status"] == "down" and feed["running"] is True and feed["connected"] is False

    config.protocol_error = None
    _until(lambda: client.get("/quotes/status"), lambda r: r.json()["connected"] is True)
    assert caplog.messages.count("connected to TradingView") == 1
    assert _breaker(client)["state"] == "closed"
    assert client.get("/quotes/status").json()["disconnected_reason"] is None
