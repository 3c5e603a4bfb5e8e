"""Symbols as TradingView names them: ``EXCHANGE:TICKER``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import InvalidInput

_NAME = re.compile(r"^[A-Z0-9._!-]{1,40}$")


def normalize_name(field: str, value: str) -> str:
    """Upper-case ``value`` and check it against the ticker/exchange pattern."""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be a string")
    candidate = value.strip().upper()
    if not _NAME.match(candidate):
        raise InvalidInput(
            field,
            f"{value!r} is not a valid name: 1-40 characters of A-Z, 0-9 and . _ ! -",
        )
    return candidate


@dataclass(frozen=True, slots=True, order=True)
class Symbol:
    """One instrument on one exchange, e.g. ``NASDAQ:AAPL``."""

    exchange: str
    ticker: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "exchange", normalize_name("exchange", self.exchange))
        object.__setattr__(self, "ticker", normalize_name("symbol", self.ticker))

    @classmethod
    def parse(cls, text: str) -> Symbol:
        """Parse ``EXCHANGE:TICKER`` (case-insensitive)."""
        if not isinstance(text, str) or text.count(":") != 1:
            raise InvalidInput("symbol", f"{text!r} must look like EXCHANGE:SYMBOL")
        exchange, ticker = text.split(":")
        return cls(exchange=exchange, ticker=ticker)

    @property
    def key(self) -> str:
        return f"{self.exchange}:{self.ticker}"

    def __str__(self) -> str:
        return self.key
