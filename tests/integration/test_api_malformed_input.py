"""Every malformed request answers 4xx with the error body, never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from tests.api_support import ApiClient, installed_services

OK_SYNC = {"symbol": "AAPL", "exchange": "NASDAQ"}
JSON = {"Content-Type": "application/json"}

CASES = [
    # (id, method, target, body, status, code, field)
    (
        "bad symbol",
        "POST",
        "/market-data/sync",
        {"symbol": "AA PL", "exchange": "NASDAQ"},
        422,
        "invalid_input",
        "symbol",
    ),
    (
        "symbol too long",
        "POST",
        "/market-data/sync",
        {"symbol": "A" * 41, "exchange": "NASDAQ"},
        422,
        "invalid_input",
        "symbol",
    ),
    (
        "symbol not a string",
        "POST",
        "/market-data/sync",
        {"symbol": 7, "exchange": "NASDAQ"},
        422,
        "invalid_input",
        "symbol",
    ),
    (
        "bad exchange",
        "POST",
        "/market-data/sync",
        {"symbol": "AAPL", "exchange": "NAS:DAQ"},
        422,
        "invalid_input",
        "exchange",
    ),
    (
        "bad interval",
        "POST",
        "/market-data/sync",
        {**OK_SYNC, "interval": "2d"},
        422,
        "invalid_input",
        "interval",
    ),
    (
        "n_bars zero",
        "POST",
        "/market-data/sync",
        {**OK_SYNC, "n_bars": 0},
        422,
        "invalid_input",
        "n_bars",
    ),
    (
        "n_bars huge",
        "POST",
        "/market-data/sync",
        {**OK_SYNC, "n_bars": 10**9},
        422,
        "invalid_input",
        "n_bars",
    ),
    (
        "n_bars text",
        "POST",
        "/market-data/sync",
        {**OK_SYNC, "n_bars": "many"},
        422,
        "invalid_input",
        "n_bars",
    ),
    (
        "missing symbol",
        "POST",
        "/market-data/sync",
        {"exchange": "NASDAQ"},
        422,
        "invalid_input",
        "symbol",
    ),
    (
        "unknown field",
        "POST",
        "/market-data/sync",
        {**OK_SYNC, "nbars": 5},
        422,
        "invalid_input",
        "nbars",
    ),
    ("body is a list", "POST", "/market-data/sync", [OK_SYNC], 400, "malformed_json", "body"),
    ("body is a string", "POST", "/market-data/sync/bulk", "AAPL", 400, "malformed_json", "body"),
    (
        "malformed JSON",
        "POST",
        "/market-data/sync",
        b'{"symbol": "AAPL",',
        400,
        "malformed_json",
        "body",
    ),
    ("empty body", "POST", "/market-data/sync", b"", 422, "invalid_input", "body"),
    (
        "bulk empty",
        "POST",
        "/market-data/sync/bulk",
        {"symbols": []},
        422,
        "invalid_input",
        "symbols",
    ),
    (
        "bulk 51 symbols",
        "POST",
        "/market-data/sync/bulk",
        {"symbols": [OK_SYNC] * 51},
        422,
        "invalid_input",
        "symbols",
    ),
    (
        "bulk bad entry",
        "POST",
        "/market-data/sync/bulk",
        {"symbols": [OK_SYNC, {"symbol": "$", "exchange": "X"}]},
        422,
        "invalid_input",
        "symbols[1].symbol",
    ),
    (
        "background bad interval",
        "POST",
        "/market-data/sync/background",
        {**OK_SYNC, "interval": "1y"},
        422,
        "invalid_input",
        "interval",
    ),
    (
        "ohlcv bad symbol",
        "GET",
        "/market-data/ohlcv/NASDAQ/AA%24PL",
        None,
        422,
        "invalid_input",
        "symbol",
    ),
    (
        "ohlcv bad interval",
        "GET",
        "/market-data/ohlcv/NASDAQ/AAPL?interval=7m",
        None,
        422,
        "invalid_input",
        "interval",
    ),
    (
        "ohlcv limit zero",
        "GET",
        "/market-data/ohlcv/NASDAQ/AAPL?limit=0",
        None,
        422,
        "invalid_input",
        "limit",
    ),
    (
        "ohlcv limit too big",
        "GET",
        "/market-data/ohlcv/NASDAQ/AAPL?limit=5001",
        None,
        422,
        "invalid_input",
        "limit",
    ),
    (
        "ohlcv limit text",
        "GET",
        "/market-data/ohlcv/NASDAQ/AAPL?limit=ten",
        None,
        422,
        "invalid_input",
        "limit",
    ),
    (
        "ohlcv bad start",
        "GET",
        "/market-data/ohlcv/NASDAQ/AAPL?start_date=yesterday",
        None,
        422,
        "invalid_input",
        "start_date",
    ),
    (
        "ohlcv impossible date",
        "GET",
        "/market-data/ohlcv/NASDAQ/AAPL?end_date=2024-02-30",
        None,
        422,
        "invalid_input",
        "end_date",
    ),
    (
        "ohlcv start after end",
        "GET",
        "/market-data/ohlcv/NASDAQ/AAPL?start_date=2024-03-02&end_date=2024-03-01",
        None,
        422,
        "invalid_input",
        "start_date",
    ),
    (
        "symbols bad exchange",
        "GET",
        "/market-data/symbols?exchange=a%20b",
        None,
        422,
        "invalid_input",
        "exchange",
    ),
    (
        "status bad interval",
        "GET",
        "/market-data/sync-status/NASDAQ/AAPL?interval=0",
        None,
        422,
        "invalid_input",
        "interval",
    ),
    ("unknown route", "GET", "/market-data/nothing-here", None, 404, "not_found", None),
    ("wrong method", "GET", "/market-data/sync", None, 405, "method_not_allowed", None),
    (
        "wrong method on a read",
        "DELETE",
        "/market-data/ohlcv/NASDAQ/AAPL",
        None,
        405,
        "method_not_allowed",
        None,
    ),
    (
        "oversized body",
        "POST",
        "/market-data/sync",
        {**OK_SYNC, "pad": "x" * 70_000},
        413,
        "payload_too_large",
        None,
    ),
]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[ApiClient]:
    # The feed points nowhere: none of these requests may get as far as TradingView.
    settings = Settings(
        data_dir=tmp_path, tradingview_url="ws://127.0.0.1:9/", tradingview_timeout=1
    )
    with installed_services(settings):
        yield ApiClient()


@pytest.mark.parametrize(
    ("method", "target", "body", "status", "code", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_malformed_requests_answer_4xx_with_the_error_body(
    api: ApiClient,
    *,
    method: str,
    target: str,
    body: object,
    status: int,
    code: str,
    field: str | None,
) -> None:
    raw = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    response = api.request(method, target, body=raw, headers=JSON if raw is not None else None)

    assert response.status == status, response.body
    error = response.error
    assert error["code"] == code
    assert error["message"]
    assert error.get("field") == field
    assert error["correlation_id"] == response.headers["x-correlation-id"]
    assert set(error) <= {"code", "message", "field", "correlation_id"}


def test_405_says_which_methods_are_allowed(api: ApiClient) -> None:
    response = api.get("/market-data/sync/bulk")
    assert response.headers["allow"] == "POST"


SUBSCRIBE = b'{"symbol": "BTCUSDT", "exchange": "BINANCE"}'


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/x-www-form-urlencoded",
        "text/plain; charset=utf-8",
        "application/json",
        "Application/JSON",
        "application/vnd.api+json",
    ],
    ids=["none", "curl -d default", "text/plain", "json", "JSON upper-case", "+json"],
)
def test_a_json_body_is_read_as_json_under_curls_and_plain_types(
    api: ApiClient, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else None
    response = api.request("POST", "/quotes/subscribe", body=SUBSCRIBE, headers=headers)

    assert response.status == 200, response.body
    assert response.json()["subscribed"] is True
    assert response.json()["symbol"] == "BTCUSDT"


def test_a_post_with_no_body_and_no_type_works(api: ApiClient) -> None:
    assert api.request("POST", "/quotes/start").status == 200


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b"symbol=AAPL"),
        ("application/x-www-form-urlencoded", b"symbol=AAPL&exchange=NASDAQ"),
        ("multipart/form-data; boundary=x", SUBSCRIBE),
        ("application/octet-stream", SUBSCRIBE),
        ("application/octet-stream", b"\xff\xfe\x00"),
    ],
    ids=["plain text", "a real form", "multipart", "binary type", "binary body"],
)
def test_a_body_that_is_not_json_is_415(api: ApiClient, content_type: str, body: bytes) -> None:
    response = api.request(
        "POST", "/quotes/subscribe", body=body, headers={"Content-Type": content_type}
    )

    assert response.status == 415, response.body
    assert response.error["code"] == "unsupported_media_type"
    assert "application/json" in response.error["message"]


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded"])
def test_broken_json_under_a_lenient_type_is_still_malformed_json(
    api: ApiClient, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else None
    response = api.request("POST", "/quotes/subscribe", body=b'{"symbol": "BTC', headers=headers)

    assert response.status == 400
    assert response.error["code"] == "malformed_json"


def test_the_callers_correlation_id_is_echoed_and_a_bad_one_replaced(api: ApiClient) -> None:
    mine = api.get("/market-data/nothing", headers={"X-Correlation-ID": "trace-42"})
    assert mine.headers["x-correlation-id"] == "trace-42"
    assert mine.error["correlation_id"] == "trace-42"

    hostile = api.get("/health", headers={"X-Correlation-ID": 'x"\n{"level":"ERROR"}'})
    assert hostile.status == 200
    assert hostile.headers["x-correlation-id"] == api.events[-1]["requestContext"]["requestId"]


def test_an_unexpected_failure_is_a_generic_500(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiring.services import get_services

    def explode() -> None:
        raise RuntimeError("internal detail /etc/secret-path")

    monkeypatch.setattr(get_services().store, "list_statuses", explode)
    response = api.get("/market-data/sync-status")
    assert response.status == 500
    assert response.error["code"] == "internal_error"
    assert "secret-path" not in response.body.decode()
