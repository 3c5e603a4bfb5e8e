"""Response bodies, exactly as DESIGN.md describes them. Times are ISO 8601 UTC."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from domain.intervals import Interval
from functions.api.models.fields import ApiModel, Timestamp
from functions.common.errors import ErrorDetail


class SyncResponse(ApiModel):
    symbol: str
    exchange: str
    interval: Interval
    status: Literal["ok"]
    bars_synced: int = Field(description="Bars received and stored by this sync.")
    total_bars: int = Field(description="Bars stored for the series after it.")
    last_bar_at: Timestamp | None


class SyncFailure(ApiModel):
    code: str
    message: str


class BulkSyncItem(ApiModel):
    symbol: str
    exchange: str
    interval: Interval
    status: Literal["ok", "failed"]
    bars_synced: int = 0
    total_bars: int | None = None
    last_bar_at: Timestamp | None = None
    error: SyncFailure | None = None


class BulkSyncResponse(ApiModel):
    interval: Interval
    succeeded: int
    failed: int
    results: list[BulkSyncItem] = Field(description="One per symbol, in request order.")


class BackgroundSyncResponse(ApiModel):
    job_id: str
    status: Literal["queued"]
    symbol: str
    exchange: str
    interval: Interval
    n_bars: int


class BarRecord(ApiModel):
    datetime: Timestamp = Field(description="Bar open time, ISO 8601 UTC.")
    open: float
    high: float
    low: float
    close: float
    volume: float | None


class OhlcvResponse(ApiModel):
    symbol: str
    exchange: str
    interval: Interval
    count: int
    data: list[BarRecord] = Field(description="Oldest first.")


class SymbolRecord(ApiModel):
    symbol: str
    exchange: str
    name: str
    description: str
    type: str
    currency: str | None
    timezone: str


class SymbolsResponse(ApiModel):
    count: int
    symbols: list[SymbolRecord]


class SyncStatusRecord(ApiModel):
    symbol: str
    exchange: str
    interval: Interval
    status: Literal["ok", "failed"]
    bar_count: int
    last_sync_at: Timestamp | None
    last_bar_at: Timestamp | None
    error_message: str | None


class SyncStatusResponse(ApiModel):
    count: int
    series: list[SyncStatusRecord]


class HealthCheck(ApiModel):
    status: Literal["ok", "down"]
    backend: str = Field(examples=["sqlite", "redis", "in-process"])
    detail: str | None = None


class HealthResponse(ApiModel):
    status: Literal["ok", "degraded", "unavailable"] = Field(
        description="unavailable (503) when the store is down; degraded when only the cache is."
    )
    checks: dict[str, HealthCheck]
    version: str
    error: ErrorDetail | None = Field(None, description="Present with the 503.")
