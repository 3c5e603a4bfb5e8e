"""The sync use case: fetch → validate → upsert → record status and symbol → publish.

A sync is an upsert, so running it twice leaves the same bars. When it fails, stored bars
are untouched and the failure is recorded in the series' status.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from domain.bars import BarSeries, SeriesKey
from domain.errors import DomainError, FeedPaused, InvalidInput, RequestBudgetExhausted
from domain.events import BarsSynced, SyncFailed
from domain.ports import BarStore, EventPublisher, MarketDataFeed, ProgressCallback
from domain.series import SyncState, SyncStatus

logger = logging.getLogger(__name__)

MAX_BARS_PER_SYNC = 100_000
OVERLAP_BARS = 3
"""Bars re-fetched before the newest stored one, so a bar still forming when last synced is
replaced by its final values."""

NOT_ATTEMPTED = (FeedPaused, RequestBudgetExhausted)
"""Refusals of the guardrails in front of TradingView: the sync did not start, so the
series' status and events say nothing of it (the caller retries after ``retry_after``)."""


@dataclass(frozen=True, slots=True)
class SyncRequest:
    key: SeriesKey
    n_bars: int = 5000
    full: bool = False
    """Backfill ``n_bars`` even when the series already has bars."""

    def __post_init__(self) -> None:
        if not 1 <= self.n_bars <= MAX_BARS_PER_SYNC:
            raise InvalidInput("n_bars", f"must be between 1 and {MAX_BARS_PER_SYNC}")


@dataclass(frozen=True, slots=True)
class SyncResult:
    key: SeriesKey
    status: SyncState
    bars_synced: int
    new_bars: int
    total_bars: int
    first_bar_at: int | None
    last_bar_at: int | None
    incremental: bool


def _incremental_window(
    request: SyncRequest, store: BarStore, now: float
) -> tuple[int, int | None]:
    """How many bars to ask for and from when (``None``: the newest ``n_bars``)."""
    if request.full:
        return request.n_bars, None
    stored = store.bar_time_range(request.key)
    if stored is None:
        return request.n_bars, None
    step = request.key.interval.seconds
    since = stored[1] - OVERLAP_BARS * step
    # Calendar time over-counts bars of session markets, so this never asks for too few.
    wanted = math.ceil(max(now - since, 0) / step) + OVERLAP_BARS + 1
    return min(request.n_bars, wanted), since


async def sync_series(
    request: SyncRequest,
    *,
    feed: MarketDataFeed,
    store: BarStore,
    events: EventPublisher,
    clock: Callable[[], float] = time.time,
    progress: ProgressCallback | None = None,
) -> SyncResult:
    key = request.key
    started = clock()
    try:
        n_bars, since = _incremental_window(request, store, started)
        history = await feed.fetch_history(
            key.symbol, key.interval, n_bars, since=since, progress=progress
        )
        series = BarSeries.from_unordered(key, history.bars)
        new_bars = store.upsert_bars(key, series.bars)
        store.put_symbol(history.info)
        total = store.count_bars(key)
        stored_range = store.bar_time_range(key)
    except NOT_ATTEMPTED:
        raise  # held back before TradingView was asked: nothing happened to record
    except DomainError as error:
        _record_failure(key, error, store=store, events=events, at=clock())
        raise

    first_at, last_at = stored_range if stored_range else (None, None)
    store.put_status(
        SyncStatus(
            key=key,
            status=SyncState.OK,
            bar_count=total,
            last_sync_at=int(clock()),
            last_bar_at=last_at,
            first_bar_at=first_at,
        )
    )
    events.publish(
        [
            BarsSynced(
                occurred_at=clock(),
                key=key,
                bars_synced=len(series),
                total_bars=total,
                first_bar_at=first_at,
                last_bar_at=last_at,
            )
        ]
    )
    return SyncResult(
        key=key,
        status=SyncState.OK,
        bars_synced=len(series),
        new_bars=new_bars,
        total_bars=total,
        first_bar_at=first_at,
        last_bar_at=last_at,
        incremental=since is not None,
    )


def _record_failure(
    key: SeriesKey, error: DomainError, *, store: BarStore, events: EventPublisher, at: float
) -> None:
    """Keep what is known of the series and add the error; never hide the original error."""
    try:
        previous = store.get_status(key)
        store.put_status(
            SyncStatus(
                key=key,
                status=SyncState.FAILED,
                bar_count=previous.bar_count if previous else store.count_bars(key),
                last_sync_at=int(at),
                last_bar_at=previous.last_bar_at if previous else None,
                first_bar_at=previous.first_bar_at if previous else None,
                error_code=error.code,
                error_message=error.message,
            )
        )
    except DomainError as store_error:
        logger.error("could not record the failed sync of %s: %s", key, store_error.message)
    events.publish(
        [SyncFailed(occurred_at=at, key=key, error_code=error.code, message=error.message)]
    )
