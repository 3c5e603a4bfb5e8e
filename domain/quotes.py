"""What TradingView's quote values mean: the tick they make and the latest quote they show.

A ``qsd`` message carries only the fields that changed, so the streamer merges them into
the symbol's last known values; both rules here read those merged values:

* the **tick**: price ``lp``, time ``lp_time`` (the exchange's trade time; the receipt
  time when TradingView sends none), the session's cumulative ``volume``;
* the **latest quote** the API serves, with the original PocketQuant's field names.

``trade_of`` is the tick rule itself, written for the streamer's hot path (exact type
checks, no objects made); ``QuoteTick.from_quote_values`` is the same rule as a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.bars import clean_volume
from domain.symbols import Symbol

QUOTE_FIELDS = (
    "lp",
    "lp_time",
    "bid",
    "ask",
    "volume",
    "ch",
    "chp",
    "open_price",
    "high_price",
    "low_price",
    "prev_close_price",
)
"""The fields the latest quote is made of (the feed must ask for at least these)."""

Trade = tuple[float, float, float | None]
"""``(time, price, cumulative_volume)``: a tick as plain numbers."""


def trade_of(
    values: Mapping[str, object], update: Mapping[str, object], received_at: float
) -> Trade | None:
    """The tick ``update`` makes of the merged ``values`` it was merged into, or ``None``.

    ``None`` when the update touches none of ``lp``, ``lp_time`` and ``volume`` (a book
    or session update is no trade) or the values hold no finite price. The time is
    ``lp_time`` when it is a finite number, else ``received_at``. The volume is the raw
    cumulative figure when it is a number (placeholders are the aggregator's to ignore),
    else ``None``.
    """
    if not ("lp" in update or "lp_time" in update or "volume" in update):
        return None
    # Exact classes (True is not a price); ``x - x == 0`` holds for finite numbers only
    # (inf - inf and NaN - NaN are NaN). Written for the streamer's hot path.
    price = values.get("lp")
    if not ((price.__class__ is float or price.__class__ is int) and price - price == 0):
        return None
    time = values.get("lp_time")
    if not ((time.__class__ is int or time.__class__ is float) and time - time == 0):
        time = received_at
    volume = values.get("volume")
    if not (volume.__class__ is float or volume.__class__ is int):
        volume = None
    return time, price, volume


@dataclass(frozen=True, slots=True)
class QuoteTick:
    """A trade: its exchange time, price and the session's cumulative volume after it.

    ``time`` is UTC epoch seconds (int or float). ``cumulative_volume`` is TradingView's
    ``volume`` field, a running total for the session, not the trade's size; ``None`` when
    the symbol has no volume (placeholders such as ``1e+100`` become ``None``).
    """

    time: float
    price: float
    cumulative_volume: float | None = None

    @classmethod
    def from_quote_values(
        cls, values: Mapping[str, object], received_at: float
    ) -> QuoteTick | None:
        """The tick of ``trade_of`` for values taken whole, its volume cleaned of placeholders."""
        trade = trade_of(values, values, received_at)
        if trade is None:
            return None
        time, price, volume = trade
        return cls(time, price, clean_volume(volume))


@dataclass(frozen=True, slots=True)
class LatestQuote:
    """The latest quote of one symbol.

    ``timestamp`` is the exchange's trade time (``lp_time``) in UTC epoch seconds; fields
    TradingView did not send are ``None``. ``received_at`` is when the streamer got it.
    """

    symbol: Symbol
    timestamp: float | None = None
    last_price: float | None = None
    bid: float | None = None
    ask: float | None = None
    volume: float | None = None
    change: float | None = None
    change_percent: float | None = None
    open_price: float | None = None
    high_price: float | None = None
    low_price: float | None = None
    prev_close: float | None = None
    received_at: float | None = None


def _number(value: object) -> float | None:
    if type(value) is float or type(value) is int:
        return value
    return None


def latest_quote(symbol: Symbol, values: Mapping[str, object], received_at: float) -> LatestQuote:
    """The quote merged values show; ``timestamp`` is ``lp_time`` when it was sent."""
    get = values.get
    return LatestQuote(
        symbol=symbol,
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
