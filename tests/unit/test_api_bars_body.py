"""The ohlcv body, written straight from the bars, is exactly the ``OhlcvResponse`` the
OpenAPI document describes."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from application.bar_cache import BarQuery
from application.queries import iso_utc
from domain.bars import Bar, SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol
from functions.api.bars_body import render_bars
from functions.api.models.responses import OhlcvResponse

KEY = SeriesKey(Symbol("NASDAQ", "AAPL"), Interval.D1)
prices = st.floats(min_value=0.0001, max_value=1e9, allow_nan=False)
bars = st.builds(
    Bar,
    time=st.integers(min_value=0, max_value=4_102_444_800),  # up to 2100
    open=prices,
    high=prices,
    low=prices,
    close=prices,
    volume=st.none() | st.floats(min_value=0, max_value=1e15),
)


@given(st.lists(bars, max_size=20))
def test_the_body_is_the_records_of_the_bars(generated: list[Bar]) -> None:
    query = BarQuery(key=KEY, start=None, end=None, limit=5000)
    body = json.loads(render_bars(query, generated))
    assert body == {
        "symbol": "AAPL",
        "exchange": "NASDAQ",
        "interval": "1d",
        "count": len(generated),
        "data": [
            {
                "datetime": iso_utc(bar.time),
                "open": bar.open,
                "high": bar.high,
                "low": bar.low,
                "close": bar.close,
                "volume": bar.volume,
            }
            for bar in generated
        ],
    }
    assert body == json.loads(OhlcvResponse.of(query, generated).body())
