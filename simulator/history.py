"""Pages of history: each bar the aggregate of exactly the trades inside its period.

A series is a listing under one subsession's hours (``regular`` unless ``resolve_symbol``'s
spec asks for ``extended``): its bars hold the trades of the segments that lie inside those
hours, in the periods ``simulator.timeline`` gives (TradingView's bar-open rules). A period
without a trade has no bar. The bar in progress at ``now`` holds the trades up to ``now``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from domain.bar_time import Period
from domain.intervals import Interval, IntervalKind
from domain.sessions import TradingSession
from simulator.listing import Listing
from simulator.market import BLOCK, Market, Part
from simulator.timeline import Timeline, day_periods
from simulator.trades import Agg, combine

_PAGE_CACHE_SIZE = 16
"""A 5,000-bar page takes about 1 MB."""
_SETTLED = 40 * 86400
"""Longer than any bar: a page ending this long before ``now`` no longer changes."""

Row = list[float]
"""``[time, open, high, low, close(, volume)]`` as TradingView sends in ``v``."""

_Bar = tuple[int, int, Agg]
"""A bar's open, its period's close, and its trades' aggregate."""


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row]
    """Oldest first."""
    newest_close: int | None
    """Close of the newest bar's period (``None`` when the page is empty)."""


class SeriesBars:
    """The bars of one listing under one session's hours."""

    def __init__(self, market: Market, session: TradingSession) -> None:
        self.market = market
        self.timeline = Timeline(session)
        self._zone = session.zone
        self._segments: dict[int, tuple[Part, ...]] = {}
        self._days: dict[int, Agg | None] = {}
        """Aggregates of whole trading days (those complete at the time asked)."""

    def segments(self, ordinal: int) -> tuple[Part, ...]:
        """The trading day's segments that lie inside this session's windows."""
        found = self._segments.get(ordinal)
        if found is None:
            windows = self.timeline.day_windows(ordinal)
            market = self.market
            found = tuple(
                market.segment(ordinal, start, end)
                for start, end in market.bounds(ordinal)
                if any(a <= start and end <= b for a, b in windows)
            )
            self._segments[ordinal] = found
        return found

    def day(self, ordinal: int, now: int) -> Agg | None:
        """The trades of trading day ``ordinal`` up to ``now``."""
        segments = self.segments(ordinal)
        if not segments or segments[0].start > now:
            return None
        if segments[-1].end - 1 > now:
            market = self.market
            return combine(
                a for a in (market.segment_as_of(s, now) for s in segments) if a is not None
            )
        if ordinal not in self._days:
            self._days[ordinal] = combine(s.agg for s in segments)
        return self._days[ordinal]

    def bars(self, interval: Interval, end: int, since: int, now: int) -> Iterator[_Bar]:
        """Bars opening in ``[since, min(end, now + 1))``, newest first."""
        end = min(end, now + 1)
        kind = interval.kind
        if kind is IntervalKind.DAILY:
            return self._daily(end, since, now)
        if kind is IntervalKind.INTRADAY:
            return self._intraday(interval.seconds, end, since, now)
        return self._grouped(interval, end, since, now)

    def _daily(self, end: int, since: int, now: int) -> Iterator[_Bar]:
        for ordinal, windows in self.timeline.trading_days(end, since):
            opens = windows[0][0]
            if opens < since:
                return
            if opens < end:
                agg = self.day(ordinal, now)
                if agg is not None:
                    yield opens, windows[-1][1], agg

    def _grouped(self, interval: Interval, end: int, since: int, now: int) -> Iterator[_Bar]:
        day_windows = self.timeline.day_windows
        for opens, closes in self.timeline.backward(end, interval, since):
            first, last = self._local_ordinal(opens), self._local_ordinal(closes - 1)
            days = (
                self.day(ordinal, now)
                for ordinal in range(first, last + 1)
                if (w := day_windows(ordinal)) and opens <= w[0][0] < closes
            )
            agg = combine(a for a in days if a is not None)
            if agg is not None:
                yield opens, closes, agg

    def _intraday(self, step: int, end: int, since: int, now: int) -> Iterator[_Bar]:
        by_minute = step % BLOCK != 0
        for ordinal, windows in self.timeline.trading_days(end, since):
            children = [
                child
                for segment in self.segments(ordinal)
                if segment.start <= now
                for child in self.market.children_as_of(segment, by_minute, now)
            ]
            for opens, closes, agg in reversed(_group(day_periods(windows, step), children)):
                if opens < since:
                    return
                if opens < end:
                    yield opens, closes, agg

    def _local_ordinal(self, epoch: int) -> int:
        return datetime.fromtimestamp(epoch, self._zone).date().toordinal()


def _group(periods: list[Period], children: list[tuple[int, Agg]]) -> list[_Bar]:
    """Children (``(start, aggregate)``, in order) gathered into the periods holding them."""
    bars: list[_Bar] = []
    i, count = 0, len(children)
    for opens, closes in periods:
        while i < count and children[i][0] < opens:
            i += 1
        j = i
        while j < count and children[j][0] < closes:
            j += 1
        if j > i:
            agg = children[i][1] if j == i + 1 else combine(a for _, a in children[i:j])
            if agg is not None:
                bars.append((opens, closes, agg))
            i = j
    return bars


class History:
    """Markets, series and a small LRU of pages, shared by all connections."""

    def __init__(self) -> None:
        self._markets: dict[str, Market] = {}
        self._series: dict[tuple[str, str], SeriesBars] = {}
        self._pages: OrderedDict[tuple[str, str, Interval, int, int, int | None], Page] = (
            OrderedDict()
        )

    def market(self, listing: Listing) -> Market:
        market = self._markets.get(listing.key)
        if market is None:
            market = self._markets[listing.key] = Market(listing)
        return market

    def series(self, listing: Listing, hours: str) -> SeriesBars:
        key = (listing.key, listing.hours(hours).id)
        series = self._series.get(key)
        if series is None:
            series = SeriesBars(self.market(listing), listing.session_for(hours))
            self._series[key] = series
        return series

    def page(
        self, listing: Listing, hours: str, interval: Interval, *, end: int, count: int, now: int
    ) -> Page:
        """Up to ``count`` bars opening before ``end``, as they stand at ``now``."""
        hours = listing.hours(hours).id
        # Only a page reaching the bar in progress depends on ``now``.
        live = end > now - _SETTLED
        key = (listing.key, hours, interval, end, count, now if live else None)
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
            return page
        series = self.series(listing, hours)
        found: list[_Bar] = []
        for bar in series.bars(interval, end, listing.listed_epoch, now):
            found.append(bar)
            if len(found) >= count:
                break
        found.reverse()
        page = Page(self._rows(listing, found), found[-1][1] if found else None)
        self._pages[key] = page
        if len(self._pages) > _PAGE_CACHE_SIZE:
            self._pages.popitem(last=False)
        return page

    def _rows(self, listing: Listing, bars: list[_Bar]) -> list[Row]:
        units = self.market(listing).units
        price, volume = units.price, units.volume
        if not listing.has_volume:
            return [
                [float(t), price(o), price(hi), price(lo), price(c)]
                for t, _, (o, hi, lo, c, _) in bars
            ]
        return [
            [float(t), price(o), price(hi), price(lo), price(c), volume(v)]
            for t, _, (o, hi, lo, c, v) in bars
        ]

    def current_bar(self, listing: Listing, hours: str, interval: Interval, now: int) -> Row | None:
        """The newest bar at ``now`` (the one in progress, or the last one before it)."""
        rows = self.page(listing, hours, interval, end=now + 1, count=1, now=now).rows
        return rows[-1] if rows else None
