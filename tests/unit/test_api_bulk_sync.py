"""Bulk sync: bounded concurrency, one outcome per series, failures kept apart."""

from __future__ import annotations

import asyncio
from typing import Any

from application.bulk_sync import sync_many, unique_requests
from application.sync import SyncRequest
from domain.bars import Bar, SeriesKey
from domain.errors import SymbolNotFound
from domain.intervals import Interval
from domain.ports import History
from domain.symbols import Symbol
from tests.fakes import FakeBarStore, FakeFeed, RecordingEvents


class CountingFeed(FakeFeed):
    """Serves two bars per symbol, refuses ``BAD``, and records how many fetches overlap."""

    def __init__(self) -> None:
        super().__init__([Bar(86_400, 1, 2, 0.5, 1.5, 1), Bar(2 * 86_400, 1, 2, 0.5, 1.5, 1)])
        self.active = 0
        self.most_active = 0

    async def fetch_history(self, symbol: Symbol, *args: Any, **kwargs: Any) -> History:
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            for _ in range(3):
                await asyncio.sleep(0)  # yield, so the others get to start
            if symbol.ticker == "BAD":
                raise SymbolNotFound(symbol.key)
            return await super().fetch_history(symbol, *args, **kwargs)
        finally:
            self.active -= 1


def _request(ticker: str) -> SyncRequest:
    return SyncRequest(SeriesKey(Symbol("X", ticker), Interval.D1), n_bars=10)


async def test_at_most_four_syncs_run_at_once_and_a_failure_stays_its_own() -> None:
    feed, store = CountingFeed(), FakeBarStore()
    tickers = [f"S{i}" for i in range(10)] + ["BAD"]
    outcomes = await sync_many(
        [_request(t) for t in tickers], feed=feed, store=store, events=RecordingEvents()
    )
    assert feed.most_active == 4
    assert [o.request.key.symbol.ticker for o in outcomes] == tickers
    assert [o.ok for o in outcomes] == [True] * 10 + [False]
    assert isinstance(outcomes[-1].error, SymbolNotFound)
    assert all(o.result is not None and o.result.total_bars == 2 for o in outcomes[:10])


def test_repeated_series_are_synced_once() -> None:
    requests = [_request("A"), _request("B"), _request("A")]
    assert [r.key.symbol.ticker for r in unique_requests(requests)] == ["A", "B"]
