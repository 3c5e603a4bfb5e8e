"""The sync use case: fetch → validate → upsert → record status and symbol → publish.

A sync is an upsert, so running it twice leaves the same bars. When it fails, stored bars
are untouched and the failure is recorded in the series' status. A sync given a deadline
stops fetching when it runs out and fails with ``SyncDeadlineExceeded``, storing nothing:
history arrives newest first, so a cut-off fetch would leave a gap below the bars it kept.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from domain.bars import BarSeries, SeriesKey
from domain.errors import DomainError, FeedPaused, InvalidInput, RequestBudgetExhausted
from domain.events import BarsSynced, SyncFailed
from domain.ports import BarStore, EventPublisher, History, MarketDataFeed, ProgressCallback
from domain.series import SyncState, SyncStatus

logger = logging.getLogger(__name__)

MAX_BARS_PER_SYNC = 100_000
OVERLAP_BARS = 3
"""Stored bars fetched again, the newest one included, so a bar still forming when last
synced is replaced by its final values. Counted in bars: a session market's last bars may
lie days apart in calendar time."""


class SyncDeadlineExceeded(DomainError):
    """The fetch did not finish within the sync's deadline; nothing was stored."""

    code = "sync_deadline_exceeded"

    def __init__(self, key: SeriesKey, deadline_s: float) -> None:
        within = f"within {deadline_s:g} s" if deadline_s > 0 else "before the request's deadline"
        super().__init__(
            f"{key}: the sync did not finish {within} and stored nothing; "
            "queue it as a background sync instead"
        )
        self.key = key
        self.deadline_s = deadline_s


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
    newest = store.get_bars(request.key, limit=OVERLAP_BARS)
    if not newest:
        return request.n_bars, None
    since = newest[0].time
    step = request.key.interval.seconds
    # Calendar time over-counts bars of session markets, so this never asks for too few.
    wanted = math.ceil(max(now - since, 0) / step) + OVERLAP_BARS + 1
    return min(request.n_bars, wanted), since


async def _fetch(
    feed: MarketDataFeed,
    key: SeriesKey,
    n_bars: int,
    since: int | None,
    *,
    progress: ProgressCallback | None,
    deadline_s: float | None,
) -> History:
    fetch = feed.fetch_history(key.symbol, key.interval, n_bars, since=since, progress=progress)
    if deadline_s is None:
        return await fetch
    if deadline_s <= 0:
        fetch.close()  # never awaited: nothing was asked of the feed
        raise SyncDeadlineExceeded(key, 0)
    try:
        async with asyncio.timeout(deadline_s):
            return await fetch
    except TimeoutError:
        raise SyncDeadlineExceeded(key, deadline_s) from None


async def sync_series(
    request: SyncRequest,
    *,
    feed: MarketDataFeed,
    store: BarStore,
    events: EventPublisher,
    clock: Callable[[], float] = time.time,
    progress: ProgressCallback | None = None,
    deadline_s: float | None = None,
) -> SyncResult:
    """Sync ``request``; with ``deadline_s``, give up fetching after that many seconds."""
    key = request.key
    started = clock()
    try:
        n_bars, since = _incremental_window(request, store, started)
        history = await _fetch(feed, key, n_bars, since, progress=progress, deadline_s=deadline_s)
        series = BarSeries.from_unordered(key, history.bars)
        new_bars = store.upsert_bars(key, series.bars)
        store.put_symbol(history.info)
        total = store.count_bars(key)
        stored_range = store.bar_time_range(key)
    except NOT_ATTEMPTED:
        raise  # held back before TradingView was asked: nothing happened to record
    except DomainError as error:
        record_failure(key, error, store=store, events=events, at=clock())
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


def record_failure(
    key: SeriesKey,
    error: DomainError,
    *,
    store: BarStore,
    events: EventPublisher,
    at: float,
    extra: dict[str, str] | None = None,
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
                extra=dict(extra or {}),
            )
        )
    except DomainError as store_error:
        logger.error("could not record the failed sync of %s: %s", key, store_error.message)
    events.publish(
        [SyncFailed(occurred_at=at, key=key, error_code=error.code, message=error.message)]
    )
