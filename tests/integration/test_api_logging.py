"""No secret reaches a log line: not the API key, the MongoDB or Redis password, nor the
TradingView token, whatever the request does, at DEBUG level."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.redaction import MASK
from config.settings import Settings
from functions.common.observability import configure_logging, logger
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig
from tests.api_support import SIM_NOW, ApiClient, installed_services

API_KEY = "pq-live-api-key-7Hs9"
MONGO_PASSWORD = "Mongo-Pa55-9fQ2"
REDIS_PASSWORD = "Redis-Pa55-Lk3v"
TV_TOKEN = "tv-session-token-Xy81"
SECRETS = (API_KEY, MONGO_PASSWORD, REDIS_PASSWORD, TV_TOKEN)


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with RunningSimulator(SimulatorConfig(now=SIM_NOW, symbol_error_delay=0.0)) as running:
        yield running


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything the JSON log handler writes during the test, at DEBUG level."""
    configure_logging("DEBUG")
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        logger.registered_handler.setStream(previous)  # type: ignore[attr-defined]
        configure_logging("INFO")


def _assert_clean(stream: io.StringIO) -> list[dict[str, object]]:
    text = stream.getvalue()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert lines, "nothing was logged"
    for secret in SECRETS:
        assert secret not in text
    return lines


def test_no_secret_in_logs_with_mongodb_and_redis_unreachable(
    tmp_path: Path, log_lines: io.StringIO
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        api_key=SecretStr(API_KEY),
        mongodb_uri=SecretStr(
            f"mongodb://pq:{MONGO_PASSWORD}@127.0.0.1:9/pq?serverSelectionTimeoutMS=150"
        ),
        redis_url=SecretStr(f"redis://:{REDIS_PASSWORD}@127.0.0.1:9/0"),
        tradingview_token=SecretStr(TV_TOKEN),
        tradingview_url="ws://127.0.0.1:9/",
        tradingview_timeout=1,
    )
    with installed_services(settings):
        api = ApiClient()
        assert api.get("/health").status == 503
        assert api.get("/market-data/ohlcv/NASDAQ/AAPL").status == 503
        sync = api.post("/market-data/sync", {"symbol": "AAPL", "exchange": "NASDAQ"})
        assert sync.status == 503
        assert (
            api.post(
                "/market-data/sync",
                {"symbol": "AAPL", "exchange": "NASDAQ"},
                headers={"Idempotency-Key": "k1"},
            ).status
            == 503
        )
        for response_secret in SECRETS:
            assert response_secret not in sync.body.decode()
    levels = {line["level"] for line in _assert_clean(log_lines)}
    assert "ERROR" in levels


def test_no_secret_in_logs_of_a_sync_with_a_token_and_a_failing_cache(
    tmp_path: Path, simulator: RunningSimulator, redis_url: str, log_lines: io.StringIO
) -> None:
    # The test Redis has no user "pq": every command fails on AUTH, so the cache degrades.
    with_password = redis_url.replace("redis://", f"redis://pq:{REDIS_PASSWORD}@")
    settings = Settings(
        data_dir=tmp_path,
        api_key=SecretStr(API_KEY),
        redis_url=SecretStr(with_password),
        tradingview_token=SecretStr(TV_TOKEN),
        tradingview_url=simulator.url,
        tradingview_timeout=5,
    )
    with installed_services(settings):
        api = ApiClient()
        assert (
            api.post(
                "/market-data/sync", {"symbol": "AAPL", "exchange": "NASDAQ", "n_bars": 50}
            ).status
            == 200
        )
        read = api.get("/market-data/ohlcv/NASDAQ/AAPL")
        assert read.status == 200 and read.headers["x-cache"] == "bypass"
    assert TV_TOKEN in simulator.simulator.stats.auth_tokens  # it was used, just never logged
    _assert_clean(log_lines)


def test_a_secret_inside_an_unexpected_error_is_masked(
    tmp_path: Path, log_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"mongodb://pq:{MONGO_PASSWORD}@db.example:27017/pq"
    settings = Settings(data_dir=tmp_path, api_key=SecretStr(API_KEY))
    with installed_services(settings) as services:
        from config.redaction import register_url_secret

        register_url_secret(uri)

        def leak() -> None:
            raise RuntimeError(f"could not reach {uri} with key {API_KEY}")

        monkeypatch.setattr(services.store, "list_statuses", leak)
        response = ApiClient().get("/market-data/sync-status")
        assert response.status == 500
    lines = _assert_clean(log_lines)
    (crash,) = [line for line in lines if line.get("exception_name") == "RuntimeError"]
    assert MASK in str(crash["exception"])
