"""Pages of history: the newest bars before a moment, generated once and cached."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from itertools import islice

from domain.intervals import Interval
from simulator.catalogue import Listing
from simulator.prices import PriceModel, Row
from simulator.timeline import Timeline

_CACHE_SIZE = 64


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
        self._pages: OrderedDict[tuple[str, Interval, int, int, int], Page] = OrderedDict()

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
        key = (listing.key, interval, end, count, now)
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
            return page
        periods = list(
            islice(self.timeline(listing).backward(end, interval, listing.listed_epoch), count)
        )
        periods.reverse()
        rows = self.model(listing).bars(periods, interval, now) if periods else []
        page = Page(rows, periods[-1][1] if periods else None)
        self._pages[key] = page
        if len(self._pages) > _CACHE_SIZE:
            self._pages.popitem(last=False)
        return page

    def current_bar(self, listing: Listing, interval: Interval, now: int) -> Row | None:
        """The bar in progress at ``now`` (or the last one before it), not cached."""
        timeline = self.timeline(listing)
        period = next(timeline.backward(now + 1, interval, listing.listed_epoch), None)
        if period is None:
            return None
        return self.model(listing).bars([period], interval, now)[0]
