"""The trades of one listing, drawn top down so that any part of history costs little.

A trading day's trades print in the listing's ``prints`` windows (``Listing.prints_session``;
each window is a *segment*: a US stock has its pre-market, regular and post-market ones, a
lunch break splits HOSE's day in two). Each level is drawn from the one above it with
``simulator.splitting``, seeded by the listing and the part's start, and aggregates back to
it exactly:

    segment (open and close on the price path, range and volume hashed)
      → 15-minute blocks (on UTC multiples of 15 minutes)
        → minutes (an illiquid listing leaves some without a trade, so without a bar)
          → trades (whole seconds, sizes in volume steps)

Daily and longer bars need only segments, 15-minute and longer intraday bars only blocks;
minutes and trades are drawn (and cached) only where a request or the quote stream needs
them. ``as_of(t)`` views keep only the trades at or before ``t``: the bar in progress.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import datetime
from random import Random
from typing import NamedTuple, TypeVar

from simulator.listing import Listing
from simulator.prices import PricePath, mix, unit, year_fraction
from simulator.splitting import (
    MAX_EXTRA_PRICES,
    least_trades,
    repeat_fills,
    split_bar,
    split_volume,
    trade_prices,
    trade_seconds,
)
from simulator.timeline import Timeline
from simulator.trades import Agg, Trade, Units, combine

BLOCK = 900
MINUTE = 60
MINUTE_RESERVE = 2 + MAX_EXTRA_PRICES
"""Volume steps a minute gets at least, so each of its trades can have a size."""
EXTENDED_VOLUME_SHARE = 0.08
"""Volume per second outside the regular session, relative to the regular rate."""

_BLOCK_CACHE = 4096
_MINUTE_CACHE = 4096
_TRADE_CACHE = 1024

_K = TypeVar("_K")
_V = TypeVar("_V")


class Part(NamedTuple):
    """A stretch ``[start, end)`` of one segment that holds trades, and their aggregate."""

    start: int
    end: int
    agg: Agg
    forced: int | None = None
    """A minute that holds a trade whatever the listing's liquidity: the segment's first,
    when none of its minutes would have one (every segment trades)."""


class _Lru(OrderedDict[_K, _V]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or_make(self, key: _K, make: Callable[[], _V]) -> _V:
        value = self.get(key)
        if value is None:
            value = self[key] = make()
            if len(self) > self.size:
                self.popitem(last=False)
        else:
            self.move_to_end(key)
        return value


class Market:
    """Every trade of one listing, from its listing date on, drawn on demand."""

    def __init__(self, listing: Listing) -> None:
        self.listing = listing
        self.units = Units(listing.pricescale, listing.minmov, listing.volume_decimals)
        self._seed = listing.seed
        self._path = PricePath(listing.seed, listing.base_price, listing.volatility)
        self.prints = Timeline(listing.prints_session)
        self._regular = Timeline(listing.trading_session)
        self._zone = listing.prints_session.zone
        self._reach = listing.prints_session.reach
        self._fill = listing.minute_fill
        self._has_volume = listing.has_volume
        self._sized = listing.has_volume and listing.sized_trades
        self._rate = _volume_rate(listing, self._regular)
        self._bounds: dict[int, tuple[tuple[int, int], ...]] = {}
        self._segments: dict[int, Part] = {}
        self._blocks: _Lru[int, list[Part]] = _Lru(_BLOCK_CACHE)
        self._minutes: _Lru[int, list[Part]] = _Lru(_MINUTE_CACHE)
        self._trades: _Lru[int, list[Trade]] = _Lru(_TRADE_CACHE)

    # --- segments ---------------------------------------------------------------------

    def bounds(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        """``[start, end)`` of the segments of the trading day ``ordinal``, oldest first."""
        return self.prints.day_windows(ordinal)

    def segments(self, ordinal: int) -> tuple[Part, ...]:
        """The segments of the trading day with this ordinal, oldest first."""
        return tuple(self.segment(ordinal, start, end) for start, end in self.bounds(ordinal))

    def segment(self, ordinal: int, start: int, end: int) -> Part:
        """The segment ``[start, end)`` of trading day ``ordinal`` (one of ``bounds``)."""
        found = self._segments.get(start)
        if found is None:
            regular = _inside(start, end, self._regular.day_windows(ordinal))
            found = self._segments[start] = Part(start, end, self._segment_agg(start, end, regular))
        return found

    def _segment_agg(self, start: int, end: int, regular: bool) -> Agg:
        units, path = self.units, self._path
        hashed = mix(self._seed, 1, start)
        level = path(start)
        o, c = units.ticks(level), units.ticks(path(end))
        reach = level * self.listing.volatility * math.sqrt(year_fraction(end - start))
        reach_ticks = reach * 1.2 / units.price(1)
        high = max(o, c) + int(reach_ticks * (0.1 + unit(hashed, 0)))
        low = max(1, min(o, c) - int(reach_ticks * (0.1 + unit(hashed, 1))))
        volume = 0
        if self._has_volume:
            share = 1.0 if regular else EXTENDED_VOLUME_SHARE
            noise = 0.6 + 0.8 * unit(hashed, 2)
            volume = units.steps(self._rate * (end - start) * share * noise)
            if self._sized:
                volume = max(volume, MINUTE_RESERVE * ((end - start) // MINUTE))
        return Agg(o, high, low, c, volume)

    # --- blocks, minutes, trades --------------------------------------------------------

    def _trades_in(self, minute: int) -> bool:
        return self._fill >= 1.0 or unit(mix(self._seed, 3, minute)) < self._fill

    def _reserve(self, counts: list[int]) -> list[int] | None:
        if self._sized:
            return [MINUTE_RESERVE * n for n in counts]
        return [0] * len(counts) if self._has_volume else None

    def blocks(self, segment: Part) -> list[Part]:
        """The 15-minute blocks of ``segment`` that hold trades."""
        return self._blocks.get_or_make(segment.start, lambda: self._split_segment(segment))

    def _split_segment(self, segment: Part) -> list[Part]:
        start, end = segment.start, segment.end
        slots: list[tuple[int, int, int]] = []
        for block in range(start - start % BLOCK, end, BLOCK):
            lo, hi = max(block, start), min(block + BLOCK, end)
            active = sum(1 for m in range(lo, hi, MINUTE) if self._trades_in(m))
            if active:
                slots.append((lo, hi, active))
        forced: int | None = None
        if not slots:
            forced = start
            slots.append((start, min(start - start % BLOCK + BLOCK, end), 1))
        rng = Random(mix(self._seed, 2, start))
        aggs = split_bar(segment.agg, len(slots), rng, self._reserve([n for _, _, n in slots]))
        return [
            Part(lo, hi, agg, forced if lo == start else None)
            for (lo, hi, _), agg in zip(slots, aggs, strict=True)
        ]

    def minutes(self, block: Part) -> list[Part]:
        """The minutes of ``block`` that hold trades."""
        return self._minutes.get_or_make(block.start, lambda: self._split_block(block))

    def _split_block(self, block: Part) -> list[Part]:
        starts = [
            m
            for m in range(block.start, block.end, MINUTE)
            if m == block.forced or self._trades_in(m)
        ]
        rng = Random(mix(self._seed, 4, block.start))
        aggs = split_bar(block.agg, len(starts), rng, self._reserve([1] * len(starts)))
        return [Part(m, m + MINUTE, agg) for m, agg in zip(starts, aggs, strict=True)]

    def trades(self, minute: Part) -> list[Trade]:
        """The trades of ``minute``, in time order."""
        return self._trades.get_or_make(minute.start, lambda: self._split_minute(minute))

    def _split_minute(self, minute: Part) -> list[Trade]:
        agg = minute.agg
        rng = Random(mix(self._seed, 5, minute.start))
        count = max(least_trades(agg), 1 + int(rng.random() * 2 * self.listing.trades_per_minute))
        if self._sized:
            count = min(count, agg.volume)
        prices = trade_prices(agg, count, rng)
        seconds = trade_seconds(count, rng)
        repeat_fills(prices, seconds, self.listing.repeat_fills, rng)
        if self._has_volume:
            sizes = split_volume(agg.volume, count, rng, [1 if self._sized else 0] * count)
        else:
            sizes = [0] * count
        start = minute.start
        return [Trade(start + s, p, z) for s, p, z in zip(seconds, prices, sizes, strict=True)]

    # --- as of a moment -----------------------------------------------------------------

    def minute_as_of(self, minute: Part, t: int) -> Agg | None:
        if t >= minute.end - 1:
            return minute.agg
        return combine(Agg.of_trade(tr) for tr in self.trades(minute) if tr.time <= t)

    def block_as_of(self, block: Part, t: int) -> Agg | None:
        if t >= block.end - 1:
            return block.agg
        return combine(self._parts_as_of(self.minutes(block), t, self.minute_as_of))

    def segment_as_of(self, segment: Part, t: int) -> Agg | None:
        if t >= segment.end - 1:
            return segment.agg
        return combine(self._parts_as_of(self.blocks(segment), t, self.block_as_of))

    @staticmethod
    def _parts_as_of(
        parts: list[Part], t: int, as_of: Callable[[Part, int], Agg | None]
    ) -> Iterator[Agg]:
        for part in parts:
            if part.start > t:
                return
            agg = part.agg if t >= part.end - 1 else as_of(part, t)
            if agg is not None:
                yield agg

    def children_as_of(self, segment: Part, minutes: bool, t: int) -> Iterator[tuple[int, Agg]]:
        """``(start, aggregate)`` of the blocks (or minutes) of ``segment`` up to ``t``."""
        for block in self.blocks(segment):
            if block.start > t:
                return
            if not minutes:
                agg = self.block_as_of(block, t)
                if agg is not None:
                    yield block.start, agg
                continue
            for minute in self.minutes(block):
                if minute.start > t:
                    return
                agg = self.minute_as_of(minute, t)
                if agg is not None:
                    yield minute.start, agg

    # --- the trading days around a moment ---------------------------------------------

    def local_ordinal(self, t: int) -> int:
        return datetime.fromtimestamp(t, self._zone).date().toordinal()

    def days_around(self, t: int) -> range:
        """Ordinals of the trading days whose windows may hold ``t``, oldest first."""
        local = self.local_ordinal(t)
        before, after = self._reach
        return range(local - after, local + before + 1)

    def day_of(self, t: int) -> int | None:
        """The latest trading day whose first segment opens at or before ``t`` (within a
        few weeks), the day the quotes of ``t`` belong to."""
        ordinal = self.days_around(t)[-1]
        for current in range(ordinal, ordinal - 40, -1):
            bounds = self.bounds(current)
            if bounds and bounds[0][0] <= t:
                return current
        return None

    def trades_between(self, after: int, until: int) -> Iterator[tuple[int, Trade]]:
        """``(trading day, trade)`` of every trade with ``after < time <= until``, in order."""
        first = self.days_around(after + 1)[0]
        last = self.days_around(until)[-1]
        for ordinal in range(first, last + 1):
            for segment in self.segments(ordinal):
                if segment.end <= after + 1 or segment.start > until:
                    continue
                for trade in self._segment_trades(segment, after, until):
                    yield ordinal, trade

    def _segment_trades(self, segment: Part, after: int, until: int) -> Iterator[Trade]:
        for block in self.blocks(segment):
            if block.end <= after + 1 or block.start > until:
                continue
            for minute in self.minutes(block):
                if minute.end <= after + 1 or minute.start > until:
                    continue
                for trade in self.trades(minute):
                    if after < trade.time <= until:
                        yield trade

    def last_trade(self, ordinal: int, t: int) -> Trade | None:
        """The last trade of trading day ``ordinal`` at or before ``t``."""
        for segment in reversed(self.segments(ordinal)):
            if segment.start > t:
                continue
            for block in reversed(self.blocks(segment)):
                if block.start > t:
                    continue
                for minute in reversed(self.minutes(block)):
                    if minute.start > t:
                        continue
                    trades = [tr for tr in self.trades(minute) if tr.time <= t]
                    if trades:
                        return trades[-1]
        return None

    def day_as_of(self, ordinal: int, t: int) -> Agg | None:
        """Every trade of trading day ``ordinal`` at or before ``t``, aggregated."""
        return combine(self._parts_as_of(list(self.segments(ordinal)), t, self.segment_as_of))


def _inside(start: int, end: int, windows: tuple[tuple[int, int], ...]) -> bool:
    return any(opens <= start and end <= closes for opens, closes in windows)


def _volume_rate(listing: Listing, regular: Timeline) -> float:
    """Volume per second in the regular session, from the listing's typical daily volume."""
    if listing.daily_volume is None:
        return 0.0
    reference = listing.reference_ordinal
    seconds = sum(b - a for a, b in regular.day_windows(reference)) or 86400
    return listing.daily_volume / seconds
