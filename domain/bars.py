"""Bars and bar series with their invariants."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from domain.errors import InvalidBar
from domain.intervals import Interval
from domain.symbols import Symbol

# TradingView sends 1e100 where a volume does not exist (indices); anything this large is no volume.
VOLUME_PLACEHOLDER_THRESHOLD = 1e50


def clean_volume(value: float | None) -> float | None:
    """Turn placeholder or impossible volumes into ``None``."""
    if value is None:
        return None
    volume = float(value)
    if math.isnan(volume) or math.isinf(volume) or volume >= VOLUME_PLACEHOLDER_THRESHOLD:
        return None
    return volume


@dataclass(frozen=True, slots=True, order=True)
class SeriesKey:
    """What identifies a series: one symbol at one interval."""

    symbol: Symbol
    interval: Interval

    def __str__(self) -> str:
        return f"{self.symbol.key}@{self.interval.value}"


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLCV bar. ``time`` is the bar-open time in UTC epoch seconds."""

    time: int
    open: float
    high: float
    low: float
    close: float
    volume: float | None = None

    def problems(self) -> list[str]:
        """Every invariant this bar breaks, as readable sentences (empty when valid)."""
        found: list[str] = []
        prices = (self.open, self.high, self.low, self.close)
        if any(not math.isfinite(p) for p in prices):
            found.append("prices must be finite numbers")
            return found
        if self.low > min(self.open, self.close):
            found.append(f"low {self.low} is above min(open, close)")
        if self.high < max(self.open, self.close):
            found.append(f"high {self.high} is below max(open, close)")
        if self.volume is not None and (not math.isfinite(self.volume) or self.volume < 0):
            found.append(f"volume {self.volume} must be >= 0 or missing")
        if self.time < 0:
            found.append("time must not be negative")
        return found

    def validate(self) -> Bar:
        found = self.problems()
        if found:
            raise InvalidBar(f"bar at {self.time}: " + "; ".join(found))
        return self


def _plainly_valid(bars: Sequence[Bar]) -> bool:
    """The rules of ``validate_series`` in one tight loop, without saying what broke.

    A 50,000-bar sync spends a third of its time here, so the common case stays cheap and
    only a failure pays for the detailed check that names the bar and the rule.
    """
    isfinite = math.isfinite
    previous = -1
    for bar in bars:
        low, high, volume = bar.low, bar.high, bar.volume
        if not (
            previous < bar.time
            and low <= bar.open <= high
            and low <= bar.close <= high
            and isfinite(low)
            and isfinite(high)
            and (volume is None or 0 <= volume < math.inf)
        ):
            return False
        previous = bar.time
    return True


def validate_series(bars: Sequence[Bar]) -> None:
    """Check every bar and that times strictly increase (sorted, no duplicate keys)."""
    if _plainly_valid(bars):
        return
    previous = -1
    for bar in bars:
        bar.validate()
        if bar.time <= previous:
            raise InvalidBar(f"bar times must strictly increase: {bar.time} follows {previous}")
        previous = bar.time


def merge_bars(existing: Iterable[Bar], incoming: Iterable[Bar]) -> list[Bar]:
    """Bars keyed by time; ``incoming`` wins on equal keys. Returned oldest first."""
    by_time = {bar.time: bar for bar in existing}
    for bar in incoming:
        by_time[bar.time] = bar
    return [by_time[t] for t in sorted(by_time)]


@dataclass(frozen=True, slots=True)
class BarSeries:
    """Bars of one series, oldest first, unique by time, each valid."""

    key: SeriesKey
    bars: tuple[Bar, ...]

    def __post_init__(self) -> None:
        validate_series(self.bars)

    @classmethod
    def from_unordered(cls, key: SeriesKey, bars: Iterable[Bar]) -> BarSeries:
        return cls(key, tuple(merge_bars((), bars)))

    def __len__(self) -> int:
        return len(self.bars)

    def __iter__(self) -> Iterator[Bar]:
        return iter(self.bars)

    @property
    def first_time(self) -> int | None:
        return self.bars[0].time if self.bars else None

    @property
    def last_time(self) -> int | None:
        return self.bars[-1].time if self.bars else None
