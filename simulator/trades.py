"""Trades and their aggregates, in a symbol's own integer units.

Prices count ticks (``minmov / pricescale``) and sizes count volume steps
(``10 ** -volume_decimals``), so every sum and every extreme is exact and a bar prints the
digits TradingView shows. ``Units`` turns them into the floats of the protocol.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Trade(NamedTuple):
    time: int
    """Epoch seconds (TradingView's ``lp_time`` is whole seconds)."""
    price: int
    """In ticks."""
    size: int
    """In volume steps (0 for a symbol without volume)."""


class Agg(NamedTuple):
    """The aggregate of consecutive trades: first, highest, lowest and last price, total size."""

    open: int
    high: int
    low: int
    close: int
    volume: int

    @classmethod
    def of_trade(cls, trade: Trade) -> Agg:
        price = trade.price
        return cls(price, price, price, price, trade.size)


def combine(parts: Iterable[Agg]) -> Agg | None:
    """The aggregate of ``parts`` in time order; ``None`` when there is none."""
    iterator = iter(parts)
    first = next(iterator, None)
    if first is None:
        return None
    _, high, low, close, volume = first
    for part in iterator:
        high = max(high, part.high)
        low = min(low, part.low)
        close = part.close
        volume += part.volume
    return Agg(first.open, high, low, close, volume)


class Units:
    """A symbol's tick and volume step, to and from the floats TradingView sends."""

    __slots__ = ("_fractional", "_minmov", "_pricescale", "_step_scale")

    def __init__(self, pricescale: int, minmov: int, volume_decimals: int) -> None:
        self._pricescale = pricescale
        self._minmov = minmov
        self._fractional = volume_decimals > 0
        """Volume steps are fractions (``10 ** -decimals``) rather than multiples of 10."""
        self._step_scale = int(10 ** abs(volume_decimals))

    def price(self, ticks: int) -> float:
        # One correctly rounded division: the float whose shortest repr is the decimal price.
        return ticks * self._minmov / self._pricescale

    def ticks(self, price: float) -> int:
        """The nearest tick to ``price`` (at least one tick: prices stay positive)."""
        return max(1, int(price * self._pricescale / self._minmov + 0.5))

    def volume(self, steps: int) -> float:
        if self._fractional:
            return steps / self._step_scale
        return float(steps * self._step_scale)

    def steps(self, volume: float) -> int:
        if self._fractional:
            return int(volume * self._step_scale + 0.5)
        return int(volume / self._step_scale + 0.5)
