"""Request bodies. Unknown fields are refused, so a typo is a 422 rather than ignored.

Numbers and flags are strict: JSON says what it means, so ``0`` is not ``false`` and
``"5000"`` is not a number. Each validated body gives the typed request its use case
takes (``request()``, ``job()``, ``symbol_of()``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field

from application.background import SyncJob
from application.bulk_sync import MAX_BULK_SYMBOLS, BulkSyncRequest
from application.sync import MAX_BARS_PER_SYNC, SyncRequest
from domain.bars import SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol
from functions.api.models.fields import ApiModel, ExchangeName, SymbolName


def _whole_number(value: Any) -> Any:
    """A JSON number with no fraction (``5000`` or ``5000.0``); never a string or a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
NBars = Field(5000, ge=1, le=MAX_BARS_PER_SYNC, description="How many of the newest bars to fetch.")
Full = Field(
    False, strict=True, description="Fetch all n_bars even when the series already has bars."
)


class SyncBody(ApiModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    symbol: SymbolName
    exchange: ExchangeName
    interval: Interval = Interval.D1
    n_bars: WholeNumber = NBars
    full: bool = Full

    def request(self) -> SyncRequest:
        key = SeriesKey(Symbol(exchange=self.exchange, ticker=self.symbol), self.interval)
        return SyncRequest(key=key, n_bars=self.n_bars, full=self.full)

    def job(self) -> SyncJob:
        """The request as a background job (a new job id)."""
        return SyncJob(
            symbol=self.symbol,
            exchange=self.exchange,
            interval=self.interval.value,
            n_bars=self.n_bars,
            full=self.full,
        )


class SymbolRef(ApiModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    symbol: SymbolName
    exchange: ExchangeName

    def symbol_of(self) -> Symbol:
        return Symbol(exchange=self.exchange, ticker=self.symbol)


class BulkSyncBody(ApiModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    symbols: list[SymbolRef] = Field(
        min_length=1,
        max_length=MAX_BULK_SYMBOLS,
        description=f"1 to {MAX_BULK_SYMBOLS} symbols; repeats are synced once.",
    )
    interval: Interval = Interval.D1
    n_bars: WholeNumber = NBars
    full: bool = Full

    def request(self) -> BulkSyncRequest:
        return BulkSyncRequest(
            symbols=tuple(ref.symbol_of() for ref in self.symbols),
            interval=self.interval,
            n_bars=self.n_bars,
            full=self.full,
        )
