"""TradingView's quote fields, merged per symbol, as the API's latest quote."""

from __future__ import annotations

from collections.abc import Mapping

from application.quote_ports import LatestQuote
from domain.bars import clean_volume
from domain.symbols import Symbol


def _number(value: object) -> float | None:
    if type(value) is float or type(value) is int:
        return value
    return None


def latest_quote(symbol: Symbol, values: Mapping[str, object], received_at: float) -> LatestQuote:
    """The quote the API serves; ``timestamp`` is the trade time ``lp_time`` when sent."""
    get = values.get
    return LatestQuote(
        symbol=symbol.ticker,
        exchange=symbol.exchange,
        timestamp=_number(get("lp_time")),
        last_price=_number(get("lp")),
        bid=_number(get("bid")),
        ask=_number(get("ask")),
        volume=clean_volume(_number(get("volume"))),
        change=_number(get("ch")),
        change_percent=_number(get("chp")),
        open_price=_number(get("open_price")),
        high_price=_number(get("high_price")),
        low_price=_number(get("low_price")),
        prev_close=_number(get("prev_close_price")),
        received_at=received_at,
    )
