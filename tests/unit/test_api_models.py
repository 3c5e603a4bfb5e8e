"""Request models: names upper-cased and checked, numbers and flags taken literally."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain.intervals import Interval
from functions.api.models.requests import BulkSyncBody, SyncBody


def test_names_are_upper_cased_and_defaults_filled_in() -> None:
    body = SyncBody.model_validate({"symbol": "brk.b", "exchange": "nyse"})
    assert body.model_dump(mode="json") == {
        "symbol": "BRK.B",
        "exchange": "NYSE",
        "interval": "1d",
        "n_bars": 5000,
        "full": False,
    }


@pytest.mark.parametrize("ticker", ["NQ1!", "BTCUSDT", "BRK.B", "7203", "ES_F", "A-B"])
def test_tradingview_tickers_are_accepted(ticker: str) -> None:
    assert SyncBody.model_validate({"symbol": ticker, "exchange": "X"}).symbol == ticker


@pytest.mark.parametrize("ticker", ["", "A B", "AAPL:X", "A" * 41, "ÄPFEL", "A/B", " AAPL"])
def test_anything_else_is_refused_naming_the_field(ticker: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SyncBody.model_validate({"symbol": ticker, "exchange": "NASDAQ"})
    assert caught.value.errors()[0]["loc"] == ("symbol",)


@pytest.mark.parametrize("value", [1, 5000, 100_000, 5000.0])
def test_n_bars_is_a_whole_number_in_range(value: Any) -> None:
    body = SyncBody.model_validate({"symbol": "A", "exchange": "B", "n_bars": value})
    assert body.n_bars == int(value) and isinstance(body.n_bars, int)


@pytest.mark.parametrize("value", [0, 100_001, 10.5, "5000", True, None])
def test_n_bars_refuses_what_is_not_a_whole_number_in_range(value: Any) -> None:
    with pytest.raises(ValidationError):
        SyncBody.model_validate({"symbol": "A", "exchange": "B", "n_bars": value})


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
def test_full_is_a_json_boolean(value: Any) -> None:
    with pytest.raises(ValidationError):
        SyncBody.model_validate({"symbol": "A", "exchange": "B", "full": value})


def test_every_interval_of_the_domain_is_accepted_by_its_name() -> None:
    for interval in Interval:
        body = SyncBody.model_validate({"symbol": "A", "exchange": "B", "interval": interval.value})
        assert body.interval is interval


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        SyncBody.model_validate({"symbol": "A", "exchange": "B", "bars": 10})
    assert caught.value.errors()[0]["loc"] == ("bars",)


def test_a_bulk_sync_takes_1_to_50_symbols() -> None:
    one = {"symbol": "A", "exchange": "B"}
    assert len(BulkSyncBody.model_validate({"symbols": [one] * 50}).symbols) == 50
    for count in (0, 51):
        with pytest.raises(ValidationError):
            BulkSyncBody.model_validate({"symbols": [one] * count})
