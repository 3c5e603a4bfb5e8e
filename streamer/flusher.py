"""Getting what the book built out of the process, in coalesced batches.

Every ``flush_interval`` (250 ms) one cycle:

1. completes bars whose period ended without a later tick (``LiveBook.flush_due``);
2. writes the quotes and bars in progress of the symbols that changed, and the status
   when it changed (or is about to look stale), in one write: one Redis pipeline;
3. upserts completed bars into the bar store, one batch per series (the synchronous
   store runs in a thread), then publishes a ``BarCompleted`` per stored bar (the
   publisher the composition root gives makes the series' cached bar queries stale, as
   it does for ``BarsSynced`` after a sync);
4. every ``snapshot_interval``, and on stop, saves the resumable state.

Failures are retried, never dropped: a failed state write marks its symbols changed again
(the next write carries their newest values); bars the store refused go back to the front
of the queue and events the bus refused are kept, each retried with backoff. An outage is
logged when it starts, every 30 s while it lasts, and when it ends.

What survives a restart: the snapshot holds each symbol's bars in progress (aggregator
state), its merged quote values, and the completed bars not yet stored or announced.
Bars are upserted by key, so a bar stored again after a crash replaces itself; a
``BarCompleted`` may then be published twice (events are at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from application.quote_ports import QuoteStateUnavailable, QuoteStateWriter, StateBatch
from application.quote_ports import StreamerStatus as Status
from domain.bars import Bar, SeriesKey
from domain.errors import DomainError, StoreUnavailable
from domain.events import BarCompleted
from domain.ports import BarStore, EventPublisher
from streamer.book import SNAPSHOT_VERSION, LiveBook, PendingBar, pending_record
from streamer.config import StreamerConfig
from streamer.reconnect import Backoff

logger = logging.getLogger(__name__)

OUTAGE_LOG_EVERY = 30.0


class _Outage:
    """Logs a failing dependency once when it starts, then every 30 s, and when it ends."""

    def __init__(self, what: str, monotonic: Callable[[], float]) -> None:
        self._what = what
        self._monotonic = monotonic
        self._since: float | None = None
        self._logged_at = 0.0
        self.failures = 0

    def failed(self, error: str) -> None:
        now = self._monotonic()
        self.failures += 1
        if self._since is None:
            self._since = self._logged_at = now
            logger.warning("%s failed: %s; retrying", self._what, error)
        elif now - self._logged_at >= OUTAGE_LOG_EVERY:
            self._logged_at = now
            logger.warning(
                "%s still failing after %.0fs: %s; retrying", self._what, now - self._since, error
            )

    def succeeded(self) -> None:
        if self._since is not None:
            logger.info("%s works again after %.1fs", self._what, self._monotonic() - self._since)
            self._since = None

    @property
    def failing(self) -> bool:
        return self._since is not None


class Flusher:
    def __init__(
        self,
        book: LiveBook,
        writer: QuoteStateWriter,
        store: BarStore,
        events: EventPublisher,
        status: Callable[[], Status],
        *,
        config: StreamerConfig,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._book = book
        self._writer = writer
        self._store = store
        self._events = events
        self._status = status
        self._config = config
        self._clock = clock
        self._monotonic = monotonic
        self._unpublished: list[PendingBar] = []
        self._last_status: Status | None = None
        self._status_written_at = -float("inf")
        self._snapshot_at = monotonic()
        self._store_retry_at = 0.0
        self._events_retry_at = 0.0
        self._store_backoff = Backoff(0.5, 30.0, healthy_after=float("inf"))
        self._events_backoff = Backoff(0.5, 30.0, healthy_after=float("inf"))
        self.state_outage = _Outage("writing the quote state", monotonic)
        self.store_outage = _Outage("storing completed bars", monotonic)
        self.events_outage = _Outage("publishing BarCompleted events", monotonic)
        self.snapshot_outage = _Outage("saving the streamer snapshot", monotonic)
        self.cycles = 0
        self.last_cycle_at = monotonic()
        self.bars_stored = 0
        self.flush_ms: list[float] = []

    async def run(self, stop: asyncio.Event) -> None:
        """Flush every ``flush_interval`` until ``stop``; the caller does the final flush."""
        interval = self._config.flush_interval
        while not stop.is_set():
            await self.flush()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await stop.wait()

    async def flush(self, *, snapshot: bool = False) -> None:
        """One cycle; with ``snapshot`` the resumable state is saved whatever its age."""
        started = time.perf_counter()
        now = self._clock()
        self._book.flush_due(now, self._config.bar_grace)
        await self._write_state(now)
        await self._store_completed()
        await self._publish_events()
        mono = self._monotonic()
        if snapshot or mono - self._snapshot_at >= self._config.snapshot_interval:
            await self.save_snapshot()
        self.cycles += 1
        self.last_cycle_at = mono
        if len(self.flush_ms) < 10_000:
            self.flush_ms.append((time.perf_counter() - started) * 1000)

    # --- hot state ----------------------------------------------------------------------

    async def _write_state(self, now: float) -> None:
        changes = self._book.take_changes()
        status = self._status()
        record = replace(status, updated_at=0.0)
        stale = now - self._status_written_at >= self._config.status_interval
        include_status = stale or record != self._last_status
        batch = StateBatch(
            quotes=changes.quotes,
            bars=changes.bars,
            cleared_bars=changes.cleared_bars,
            removed_symbols=changes.removed_symbols,
            status=status if include_status else None,
        )
        if not batch:
            return
        try:
            await self._writer.write(batch)
        except QuoteStateUnavailable as error:
            self._book.mark_changed(changes)
            self.state_outage.failed(error.message)
            return
        self.state_outage.succeeded()
        if include_status:
            self._last_status = record
            self._status_written_at = now

    # --- completed bars ------------------------------------------------------------------

    async def _store_completed(self) -> None:
        if self._book.completed_count == 0 or self._monotonic() < self._store_retry_at:
            return
        pending = self._book.take_completed()
        groups: dict[SeriesKey, list[PendingBar]] = {}
        for item in pending:
            groups.setdefault(item.key, []).append(item)
        for index, (key, items) in enumerate(groups.items()):
            bars = _latest_by_time(items)
            try:
                await asyncio.to_thread(self._store.upsert_bars, key, bars)
            except StoreUnavailable as error:
                unstored = [p for _, group in list(groups.items())[index:] for p in group]
                self._book.requeue_completed(unstored)
                self.store_outage.failed(error.message)
                self._store_retry_at = self._monotonic() + self._store_backoff.next_delay()
                return
            except DomainError as error:
                # Not a passing fault: these bars can never be stored. Say so loudly.
                logger.error("the store refused %d %s bars: %s", len(bars), key, error.message)
                continue
            self.bars_stored += len(bars)
            self._unpublished.extend(items)
        self.store_outage.succeeded()
        self._store_backoff.reset()

    async def _publish_events(self) -> None:
        if not self._unpublished or self._monotonic() < self._events_retry_at:
            return
        batch = self._unpublished
        events = [BarCompleted(p.completed_at, p.key, p.bar) for p in batch]
        try:
            await asyncio.to_thread(self._events.publish, events)
        except Exception as error:  # whatever the publisher raises: keep the events, retry
            self.events_outage.failed(f"{type(error).__name__}: {error}")
            self._events_retry_at = self._monotonic() + self._events_backoff.next_delay()
            return
        del self._unpublished[: len(batch)]
        self.events_outage.succeeded()
        self._events_backoff.reset()

    # --- restart ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        book = self._book
        unstored = book.take_completed()
        book.requeue_completed(unstored)
        return {
            "version": SNAPSHOT_VERSION,
            "saved_at": self._clock(),
            "symbols": book.snapshot(),
            "unstored": [pending_record(p) for p in unstored],
            "unpublished": [pending_record(p) for p in self._unpublished],
        }

    def take_flush_ms(self) -> list[float]:
        taken, self.flush_ms = self.flush_ms, []
        return taken

    def requeue_unpublished(self, pending: list[PendingBar]) -> None:
        self._unpublished[:0] = pending

    async def save_snapshot(self) -> bool:
        self._snapshot_at = self._monotonic()
        try:
            await self._writer.save_snapshot(self.snapshot())
        except QuoteStateUnavailable as error:
            self.snapshot_outage.failed(error.message)
            return False
        self.snapshot_outage.succeeded()
        return True


def _latest_by_time(items: list[PendingBar]) -> list[Bar]:
    """One bar per time (the last completed wins), oldest first."""
    by_time = {p.bar.time: p.bar for p in items}
    return [by_time[t] for t in sorted(by_time)]
