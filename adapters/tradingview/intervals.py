"""PocketQuant intervals mapped onto TradingView's own resolution codes."""

from __future__ import annotations

from domain.errors import FeedProtocolError
from domain.intervals import Interval

TV_CODES: dict[Interval, str] = {
    Interval.M1: "1",
    Interval.M3: "3",
    Interval.M5: "5",
    Interval.M15: "15",
    Interval.M30: "30",
    Interval.M45: "45",
    Interval.H1: "60",
    Interval.H2: "120",
    Interval.H3: "180",
    Interval.H4: "240",
    Interval.D1: "1D",
    Interval.W1: "1W",
    Interval.MN1: "1M",
}

_FROM_CODE = {code: interval for interval, code in TV_CODES.items()}
_FROM_CODE.update({"D": Interval.D1, "W": Interval.W1, "M": Interval.MN1})


def to_tradingview(interval: Interval) -> str:
    return TV_CODES[interval]


def from_tradingview(code: str) -> Interval:
    try:
        return _FROM_CODE[code]
    except KeyError:
        raise FeedProtocolError(f"unknown TradingView resolution {code!r}") from None
