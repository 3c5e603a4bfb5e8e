"""Response bodies of the market-data and health routes, each made from the use case's
value (``of``), so the body is what the OpenAPI document says. Times are ISO 8601 UTC.

Every list is ``data``, beside its ``count``. The ohlcv body is written straight from the
bars for speed (``functions/api/bars_body.py``); a test holds it equal to
``OhlcvResponse``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from application.background import JobView, SyncJob
from application.bar_cache import BarQuery
from application.bulk_sync import SyncOutcome
from application.health import Check, Health
from application.queries import iso_utc
from application.status_queries import SeriesSyncState
from application.sync import SyncResult
from domain.bars import Bar
from domain.intervals import Interval
from domain.series import SymbolInfo
from functions.api.models.fields import ApiModel, Timestamp, iso_time, omitted_when_none
from functions.common.errors import ErrorDetail


class SyncResponse(ApiModel):
    symbol: str
    exchange: str
    interval: Interval
    status: Literal["ok"]
    bars_synced: int = Field(description="Bars received and stored by this sync.")
    total_bars: int = Field(description="Bars stored for the series after it.")
    last_bar_at: Timestamp | None

    @classmethod
    def of(cls, result: SyncResult) -> SyncResponse:
        key = result.key
        return cls(
            symbol=key.symbol.ticker,
            exchange=key.symbol.exchange,
            interval=key.interval,
            status="ok",
            bars_synced=result.bars_synced,
            total_bars=result.total_bars,
            last_bar_at=iso_time(result.last_bar_at),
        )


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
    error: SyncFailure | None = omitted_when_none("Why this symbol failed.")

    @classmethod
    def of(cls, outcome: SyncOutcome) -> BulkSyncItem:
        """A synced symbol as ``SyncResponse`` shows it; a failed one with its error."""
        if outcome.result is not None:
            return cls(**SyncResponse.of(outcome.result).model_dump())
        key, error = outcome.request.key, outcome.error
        return cls(
            symbol=key.symbol.ticker,
            exchange=key.symbol.exchange,
            interval=key.interval,
            status="failed",
            error=SyncFailure(code=error.code, message=error.message) if error else None,
        )


class BulkSyncResponse(ApiModel):
    interval: Interval
    succeeded: int
    failed: int
    data: list[BulkSyncItem] = Field(description="One per symbol, in request order.")

    @classmethod
    def of(cls, interval: Interval, outcomes: Sequence[SyncOutcome]) -> BulkSyncResponse:
        failed = sum(not outcome.ok for outcome in outcomes)
        return cls(
            interval=interval,
            succeeded=len(outcomes) - failed,
            failed=failed,
            data=[BulkSyncItem.of(outcome) for outcome in outcomes],
        )


class BackgroundSyncResponse(ApiModel):
    job_id: str
    status: Literal["queued"]
    symbol: str
    exchange: str
    interval: Interval
    n_bars: int

    @classmethod
    def of(cls, job: SyncJob) -> BackgroundSyncResponse:
        return cls(
            job_id=job.job_id,
            status="queued",
            symbol=job.symbol,
            exchange=job.exchange,
            interval=Interval(job.interval),
            n_bars=job.n_bars,
        )


class BarRecord(ApiModel):
    datetime: Timestamp = Field(description="Bar open time, ISO 8601 UTC.")
    open: float
    high: float
    low: float
    close: float
    volume: float | None

    @classmethod
    def of(cls, bar: Bar) -> BarRecord:
        return cls(
            datetime=iso_utc(bar.time),
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
        )


class OhlcvResponse(ApiModel):
    symbol: str
    exchange: str
    interval: Interval
    count: int
    data: list[BarRecord] = Field(description="Oldest first.")

    @classmethod
    def of(cls, query: BarQuery, bars: Sequence[Bar]) -> OhlcvResponse:
        """The body ``render_bars`` writes, made the slow way (what tests compare it to)."""
        symbol = query.key.symbol
        return cls(
            symbol=symbol.ticker,
            exchange=symbol.exchange,
            interval=query.key.interval,
            count=len(bars),
            data=[BarRecord.of(bar) for bar in bars],
        )


class SymbolRecord(ApiModel):
    symbol: str
    exchange: str
    name: str
    description: str
    type: str
    currency: str | None
    timezone: str

    @classmethod
    def of(cls, info: SymbolInfo) -> SymbolRecord:
        return cls(
            symbol=info.symbol.ticker,
            exchange=info.symbol.exchange,
            name=info.name,
            description=info.description,
            type=info.type,
            currency=info.currency,
            timezone=info.timezone,
        )


class SymbolsResponse(ApiModel):
    count: int
    data: list[SymbolRecord]

    @classmethod
    def of(cls, symbols: Sequence[SymbolInfo]) -> SymbolsResponse:
        return cls(count=len(symbols), data=[SymbolRecord.of(info) for info in symbols])


class SyncJobStatus(ApiModel):
    """The series' latest background job (``POST /market-data/sync/background``)."""

    job_id: str
    state: Literal["queued", "running", "done", "dead_lettered"] = Field(
        description="queued (waiting, or waiting for a retry), running, done (worked: the "
        "status says how the sync went) or dead_lettered (failed every try; see "
        "error_message)."
    )
    attempts: int = Field(description="How often the job was delivered to the worker.")
    queued_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, job: JobView) -> SyncJobStatus:
        return cls(
            job_id=job.job_id,
            state=job.state.value,
            attempts=job.attempts,
            queued_at=iso_utc(job.queued_at),
            updated_at=iso_utc(job.updated_at),
        )


class SyncStatusResponse(ApiModel):
    """One tracked series' sync status."""

    symbol: str
    exchange: str
    interval: Interval
    status: Literal["ok", "failed", "pending"] = Field(
        description="The latest sync's outcome; pending while the series' first sync is queued."
    )
    bar_count: int
    last_sync_at: Timestamp | None
    last_bar_at: Timestamp | None
    error_message: str | None
    job: SyncJobStatus | None = Field(
        None,
        description="The latest background job of the series, on the local stack (SQS "
        "cannot be listed, so on AWS only a dead-lettered job shows, in error_message).",
    )

    @classmethod
    def of(cls, state: SeriesSyncState) -> SyncStatusResponse:
        key, status = state.key, state.status
        job = SyncJobStatus.of(state.job) if state.job is not None else None
        if status is None:
            return cls(
                symbol=key.symbol.ticker,
                exchange=key.symbol.exchange,
                interval=key.interval,
                status="pending",
                bar_count=0,
                last_sync_at=None,
                last_bar_at=None,
                error_message=None,
                job=job,
            )
        return cls(
            symbol=key.symbol.ticker,
            exchange=key.symbol.exchange,
            interval=key.interval,
            status=status.status.value,
            bar_count=status.bar_count,
            last_sync_at=iso_time(status.last_sync_at),
            last_bar_at=iso_time(status.last_bar_at),
            error_message=status.error_message,
            job=job,
        )


class SyncStatusListResponse(ApiModel):
    count: int
    data: list[SyncStatusResponse]

    @classmethod
    def of(cls, states: Sequence[SeriesSyncState]) -> SyncStatusListResponse:
        return cls(count=len(states), data=[SyncStatusResponse.of(s) for s in states])


class HealthCheck(ApiModel):
    status: Literal["ok", "down"]
    backend: str = Field(examples=["sqlite", "redis", "in-process"])
    detail: str | None = Field(
        None, description="Why it is down (the breaker: the refusal that opened it)."
    )
    state: str | None = omitted_when_none("The breaker: closed, open or half_open.")
    since: Timestamp | None = omitted_when_none("The breaker: when it entered its state.")
    refusals: int | None = omitted_when_none("The breaker: TradingView refusals counted.")
    next_probe_at: Timestamp | None = omitted_when_none(
        "The breaker: when it lets the next probe through to TradingView."
    )
    running: bool | None = omitted_when_none("The feed: asked to run (POST /quotes/start).")
    connected: bool | None = omitted_when_none("The feed: TradingView accepted the session.")
    last_tick_at: Timestamp | None = omitted_when_none("The feed: the newest tick's time.")
    last_error_at: Timestamp | None = omitted_when_none("The feed: when it last failed.")

    @classmethod
    def of(cls, check: Check, shown: str | None) -> HealthCheck:
        facts = check.facts
        return cls(
            status="ok" if check.ok else "down",
            backend=check.backend,
            detail=shown,
            state=check.state,
            since=iso_time(facts.get("since")),
            refusals=facts.get("refusals"),
            next_probe_at=iso_time(facts.get("next_probe_at")),
            running=facts.get("running"),
            connected=facts.get("connected"),
            last_tick_at=iso_time(facts.get("last_tick_at")),
            last_error_at=iso_time(facts.get("last_error_at")),
        )


class HealthResponse(ApiModel):
    status: Literal["ok", "degraded", "unavailable"] = Field(
        description="unavailable (503) when the store is down: PocketQuant cannot serve. "
        "degraded (200) when the cache is down, the TradingView circuit breaker is open or "
        "half-open, or the live feed is asked to run and not connected: stored bars are "
        "still served, the checks say what is held back and why."
    )
    checks: dict[str, HealthCheck]
    version: str
    error: ErrorDetail | None = omitted_when_none("Present with the 503.")

    @classmethod
    def of(
        cls,
        health: Health,
        version: str,
        *,
        shown: dict[str, str | None],
        error: ErrorDetail | None = None,
    ) -> HealthResponse:
        """``shown``: each check's detail as the body may show it (redacted)."""
        return cls(
            status=health.overall.value,
            checks={
                name: HealthCheck.of(check, shown[name]) for name, check in health.checks.items()
            },
            version=version,
            error=error,
        )
