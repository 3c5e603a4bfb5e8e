"""In-memory stand-ins for the ports, for use-case tests that need no I/O."""

from __future__ import annotations

from collections.abc import Sequence

from domain.bars import Bar, SeriesKey
from domain.errors import DomainError
from domain.events import DomainEvent
from domain.intervals import Interval
from domain.ports import History, ProgressCallback
from domain.series import SymbolInfo, SyncStatus
from domain.symbols import Symbol


class FakeClock:
    """A clock that reads ``now``, which the test sets."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeBarStore:
    backend = "fake"
    location = "memory"

    def __init__(self) -> None:
        self.bars: dict[SeriesKey, dict[int, Bar]] = {}
        self.statuses: dict[SeriesKey, SyncStatus] = {}
        self.symbols: dict[Symbol, SymbolInfo] = {}
        self.fail_upsert: DomainError | None = None
        self.versions: dict[SeriesKey, int] = {}

    def upsert_bars(self, key: SeriesKey, bars: Sequence[Bar]) -> int:
        if self.fail_upsert is not None:
            raise self.fail_upsert
        self.versions[key] = self.versions.get(key, 0) + 1
        series = self.bars.setdefault(key, {})
        new = sum(1 for bar in bars if bar.time not in series)
        series.update({bar.time: bar for bar in bars})
        return new

    def get_bars(
        self,
        key: SeriesKey,
        start: int | None = None,
        end: int | None = None,
        limit: int | None = None,
    ) -> list[Bar]:
        bars = [
            b
            for t, b in sorted(self.bars.get(key, {}).items())
            if (start is None or t >= start) and (end is None or t <= end)
        ]
        if limit is not None:
            bars = bars[:limit] if start is not None else bars[len(bars) - limit :]
        return bars

    def series_version(self, key: SeriesKey) -> int:
        return self.versions.get(key, 0)

    def count_bars(self, key: SeriesKey) -> int:
        return len(self.bars.get(key, {}))

    def bar_time_range(self, key: SeriesKey) -> tuple[int, int] | None:
        times = self.bars.get(key)
        return (min(times), max(times)) if times else None

    def put_status(self, status: SyncStatus) -> None:
        self.statuses[status.key] = status

    def get_status(self, key: SeriesKey) -> SyncStatus | None:
        return self.statuses.get(key)

    def list_statuses(self) -> list[SyncStatus]:
        return list(self.statuses.values())

    def put_symbol(self, info: SymbolInfo) -> None:
        self.symbols[info.symbol] = info

    def get_symbol(self, symbol: Symbol) -> SymbolInfo | None:
        return self.symbols.get(symbol)

    def list_symbols(self, exchange: str | None = None) -> list[SymbolInfo]:
        return [s for s in self.symbols.values() if exchange in (None, s.symbol.exchange)]

    def ping(self) -> None:
        return None

    def close(self) -> None:
        return None


class FakeFeed:
    """Serves the bars it was given; records each request."""

    def __init__(self, bars: list[Bar], info: SymbolInfo | None = None) -> None:
        self.bars = bars
        self.info = info
        self.requests: list[tuple[Symbol, Interval, int, int | None]] = []
        self.error: DomainError | None = None

    async def fetch_history(
        self,
        symbol: Symbol,
        interval: Interval,
        n_bars: int,
        *,
        since: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> History:
        self.requests.append((symbol, interval, n_bars, since))
        if self.error is not None:
            raise self.error
        bars = self.bars[-n_bars:]
        if since is not None:
            bars = [b for b in self.bars if b.time >= since] or bars
        if progress:
            progress(len(bars), n_bars)
        info = self.info or SymbolInfo(symbol=symbol, name=symbol.ticker)
        return History(info=info, bars=list(bars))


class RecordingEvents:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def publish(self, events: Sequence[DomainEvent]) -> None:
        self.events.extend(events)
