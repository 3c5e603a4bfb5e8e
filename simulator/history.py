"""Pages of history: the newest bars before a moment, generated once and cached."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from domain.bar_time import Period
from domain.intervals import Interval
from simulator.catalogue import Listing
from simulator.prices import PriceModel, Row
from simulator.timeline import Timeline

_PAGE_CACHE_SIZE = 16
"""A 5,000-bar page takes about 1 MB."""
_PERIODS_CACHE_SIZE = 32

_K = TypeVar("_K")
_V = TypeVar("_V")


def _lru_get(cache: OrderedDict[_K, _V], key: _K) -> _V | None:
    value = cache.get(key)
    if value is not None:
        cache.move_to_end(key)
    return value


def _lru_put(cache: OrderedDict[_K, _V], key: _K, value: _V, size: int) -> None:
    cache[key] = value
    if len(cache) > size:
        cache.popitem(last=False)


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row]
    """Oldest first."""
    newest_close: int | None
    """Close of the newest bar of the page (``None`` when it is empty)."""


class History:
    """Price models, timelines and a small LRU of generated pages, shared by all connections."""

    def __init__(self) -> None:
        self._models: dict[str, PriceModel] = {}
        self._timelines: dict[str, Timeline] = {}
        self._periods: OrderedDict[tuple[str, Interval, int, int], list[Period]] = OrderedDict()
        self._pages: OrderedDict[tuple[str, Interval, int, int, int | None], Page] = OrderedDict()

    def model(self, listing: Listing) -> PriceModel:
        model = self._models.get(listing.key)
        if model is None:
            model = self._models[listing.key] = PriceModel(listing)
        return model

    def timeline(self, listing: Listing) -> Timeline:
        timeline = self._timelines.get(listing.key)
        if timeline is None:
            timeline = self._timelines[listing.key] = Timeline(listing.trading_session)
        return timeline

    def page(self, listing: Listing, interval: Interval, end: int, count: int, now: int) -> Page:
        """Up to ``count`` bars opening before ``end``; the bar holding ``now`` ends there."""
        periods_key = (listing.key, interval, end, count)
        periods = _lru_get(self._periods, periods_key)
        if periods is None:
            timeline = self.timeline(listing)
            periods = list(islice(timeline.backward(end, interval, listing.listed_epoch), count))
            periods.reverse()
            _lru_put(self._periods, periods_key, periods, _PERIODS_CACHE_SIZE)
        # Only a page holding the bar in progress depends on ``now``.
        live = bool(periods) and periods[-1][1] > now
        key = (*periods_key, now if live else None)
        page = _lru_get(self._pages, key)
        if page is None:
            rows = self.model(listing).bars(periods, interval, now) if periods else []
            page = Page(rows, periods[-1][1] if periods else None)
            _lru_put(self._pages, key, page, _PAGE_CACHE_SIZE)
        return page

    def current_bar(self, listing: Listing, interval: Interval, now: int) -> Row | None:
        """The bar in progress at ``now`` (or the last one before it), not cached."""
        timeline = self.timeline(listing)
        period = next(timeline.backward(now + 1, interval, listing.listed_epoch), None)
        if period is None:
            return None
        return self.model(listing).bars([period], interval, now)[0]
