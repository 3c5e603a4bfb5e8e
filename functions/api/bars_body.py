"""The ohlcv response body, serialized straight from bars.

5,000 bars go through here per query, so it skips pydantic and per-bar ``strftime``: orjson
writes a UTC ``datetime`` as ``2024-03-15T13:30:00Z`` itself, the same text as
``application.queries.iso_utc`` (a test holds the two together).
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from application.bar_cache import BarQuery
from domain.bars import Bar


def render_bars(query: BarQuery, bars: list[Bar]) -> bytes:
    symbol = query.key.symbol
    from_epoch = datetime.fromtimestamp
    return orjson.dumps(
        {
            "symbol": symbol.ticker,
            "exchange": symbol.exchange,
            "interval": query.key.interval.value,
            "count": len(bars),
            "data": [
                {
                    "datetime": from_epoch(bar.time, UTC),
                    "open": bar.open,
                    "high": bar.high,
                    "low": bar.low,
                    "close": bar.close,
                    "volume": bar.volume,
                }
                for bar in bars
            ],
        },
        option=orjson.OPT_UTC_Z,
    )
