"""Request bodies. Unknown fields are refused, so a typo is a 422 rather than ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from application.bulk_sync import MAX_BULK_SYMBOLS
from application.sync import MAX_BARS_PER_SYNC
from domain.intervals import Interval
from functions.api.models.fields import ExchangeName, SymbolName

NBars = Field(5000, ge=1, le=MAX_BARS_PER_SYNC, description="How many of the newest bars to fetch.")


class SyncBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: SymbolName
    exchange: ExchangeName
    interval: Interval = Interval.D1
    n_bars: int = NBars
    full: bool = Field(False, description="Fetch all n_bars even when the series already has bars.")


class SymbolRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: SymbolName
    exchange: ExchangeName


class BulkSyncBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbols: list[SymbolRef] = Field(
        min_length=1,
        max_length=MAX_BULK_SYMBOLS,
        description=f"1 to {MAX_BULK_SYMBOLS} symbols; repeats are synced once.",
    )
    interval: Interval = Interval.D1
    n_bars: int = NBars
    full: bool = False
