"""Quote ticks: one trade as TradingView's quote session reports it.

A ``qsd`` message carries only the fields that changed, so the streamer merges them into
the symbol's last known values and builds a tick from the merged values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeGuard

from domain.bars import clean_volume


@dataclass(frozen=True, slots=True)
class QuoteTick:
    """A trade: its exchange time, price and the session's cumulative volume after it.

    ``time`` is ``lp_time`` in UTC epoch seconds (int or float). ``cumulative_volume`` is
    TradingView's ``volume`` field, a running total for the session, not the trade's size;
    ``None`` when the symbol has no volume (placeholders such as ``1e+100`` become ``None``).
    """

    time: float
    price: float
    cumulative_volume: float | None = None

    @classmethod
    def from_quote_values(cls, values: Mapping[str, object]) -> QuoteTick | None:
        """The tick described by merged quote values (``lp``, ``lp_time``, ``volume``).

        ``None`` when the values hold no trade yet (no finite ``lp`` or no ``lp_time``).
        """
        price = values.get("lp")
        time = values.get("lp_time")
        if not _is_number(price) or not _is_number(time) or not math.isfinite(price):
            return None
        volume = values.get("volume")
        cumulative = clean_volume(volume) if _is_number(volume) else None
        return cls(time, price, cumulative)


_NUMBER_TYPES = frozenset({int, float})


def _is_number(value: object) -> TypeGuard[float]:
    return type(value) in _NUMBER_TYPES  # exact types: True is not a price
