"""Sync many series at once: bounded concurrency, one outcome per series.

A failure of one series is recorded in its outcome (and its sync status, by
``sync_series``); it never fails the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from application.sync import SyncRequest, SyncResult, sync_series
from domain.bars import SeriesKey
from domain.errors import DomainError
from domain.intervals import Interval
from domain.ports import BarStore, EventPublisher, MarketDataFeed
from domain.symbols import Symbol

logger = logging.getLogger(__name__)

MAX_BULK_SYMBOLS = 50
DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True, slots=True)
class BulkSyncRequest:
    """Sync ``symbols`` at one interval, each as ``SyncRequest`` would."""

    symbols: tuple[Symbol, ...]
    interval: Interval
    n_bars: int = 5000
    full: bool = False

    def requests(self) -> list[SyncRequest]:
        """One request per series, repeats dropped (see ``unique_requests``)."""
        return unique_requests(
            [
                SyncRequest(SeriesKey(symbol, self.interval), n_bars=self.n_bars, full=self.full)
                for symbol in self.symbols
            ]
        )


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """The result of one series of a bulk sync: ``result`` or ``error``, never both."""

    request: SyncRequest
    result: SyncResult | None = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def sync_many(
    requests: Sequence[SyncRequest],
    *,
    feed: MarketDataFeed,
    store: BarStore,
    events: EventPublisher,
    concurrency: int = DEFAULT_CONCURRENCY,
    deadline_s: float | None = None,
) -> list[SyncOutcome]:
    """Run every request, at most ``concurrency`` at a time; outcomes in request order.

    ``deadline_s`` bounds the whole bulk: a series still fetching (or still waiting for its
    turn) when it runs out fails with ``SyncDeadlineExceeded``; the others keep their results.
    """
    gate = asyncio.Semaphore(concurrency)
    loop = asyncio.get_running_loop()
    ends_at = None if deadline_s is None else loop.time() + deadline_s

    async def one(request: SyncRequest) -> SyncOutcome:
        async with gate:
            left = None if ends_at is None else ends_at - loop.time()
            try:
                result = await sync_series(
                    request, feed=feed, store=store, events=events, deadline_s=left
                )
            except DomainError as error:
                logger.warning("bulk sync of %s failed: %s", request.key, error.message)
                return SyncOutcome(request=request, error=error)
            return SyncOutcome(request=request, result=result)

    return list(await asyncio.gather(*(one(request) for request in requests)))


def unique_requests(requests: Sequence[SyncRequest]) -> list[SyncRequest]:
    """Drop repeats of a series (first one wins): two syncs of one series would race."""
    seen: set[object] = set()
    unique: list[SyncRequest] = []
    for request in requests:
        if request.key not in seen:
            seen.add(request.key)
            unique.append(request)
    return unique
