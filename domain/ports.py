"""Ports: what the use cases need from the outside world, as ``Protocol``s.

Adapters (SQLite, MongoDB, TradingView, EventBridge, …) implement them; the use cases and
tests depend only on these shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.bars import Bar, SeriesKey
from domain.events import DomainEvent
from domain.intervals import Interval
from domain.series import SymbolInfo, SyncStatus
from domain.symbols import Symbol


class BarStore(Protocol):
    """Durable bars, sync status and symbol metadata. Writes are idempotent upserts."""

    backend: str
    """Which store this is (``sqlite``, ``mongodb``), as health and the local stack report it."""

    @property
    def location(self) -> str:
        """Where its data is, for a person (a file path, a database name); never a secret."""
        ...

    def upsert_bars(self, key: SeriesKey, bars: Sequence[Bar]) -> int:
        """Insert or replace bars by time; returns how many were new.

        A batch with a bar that is not numbers raises ``InvalidBar`` and changes nothing.
        Any other failure raises ``StoreUnavailable`` and leaves every bar whole (as it was
        or as given, never half-written); SQLite also keeps the batch all or nothing, while
        MongoDB may keep part of it, so a caller retries the same upsert.
        """
        ...

    def series_version(self, key: SeriesKey) -> int:
        """A counter raised by every ``upsert_bars`` of ``key`` (0 before the first), with
        the write (SQLite: in its transaction; MongoDB: right after it), so a cache in any
        process can tell its copy of the series is stale with one indexed read."""
        ...

    def get_bars(
        self,
        key: SeriesKey,
        start: int | None = None,
        end: int | None = None,
        limit: int | None = None,
    ) -> list[Bar]:
        """Bars with ``start <= time <= end``, oldest first.

        With a ``limit`` and no ``start``, the newest ``limit`` bars (still oldest first);
        with a ``start``, the first ``limit`` bars from it. A ``limit`` of 0 gives no bars.
        """
        ...

    def count_bars(self, key: SeriesKey) -> int: ...

    def bar_time_range(self, key: SeriesKey) -> tuple[int, int] | None:
        """``(first, last)`` bar times of the series, or ``None`` when it has none."""
        ...

    def put_status(self, status: SyncStatus) -> None: ...

    def get_status(self, key: SeriesKey) -> SyncStatus | None: ...

    def list_statuses(self) -> list[SyncStatus]: ...

    def put_symbol(self, info: SymbolInfo) -> None: ...

    def get_symbol(self, symbol: Symbol) -> SymbolInfo | None: ...

    def list_symbols(self, exchange: str | None = None) -> list[SymbolInfo]: ...

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` when the store cannot be used."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class History:
    """What a feed returns for one history request."""

    info: SymbolInfo
    bars: list[Bar]
    reached_limit: bool = False


ProgressCallback = Callable[[int, int], None]
"""Called as ``(bars_received, bars_wanted)`` while a long history request runs."""


class MarketDataFeed(Protocol):
    """A source of historical bars (TradingView or its simulator)."""

    async def fetch_history(
        self,
        symbol: Symbol,
        interval: Interval,
        n_bars: int,
        *,
        since: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> History:
        """The newest ``n_bars`` bars, or every bar from ``since`` when that needs fewer.

        Raises ``SymbolNotFound``, ``NotEntitled``, ``AuthenticationRejected`` or
        ``FeedUnavailable``.
        """
        ...


class EventPublisher(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> None: ...
