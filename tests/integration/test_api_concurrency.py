"""Concurrent clients through the local gateway, whose threads share one handler: every
answer belongs to its own request, and none fails for sharing (Powertools keeps request
state and metrics per process; functions.api.resolver and observability keep them apart)."""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from adapters.stores.sqlite_store import SqliteBarStore
from config.settings import Settings
from domain.bars import Bar, SeriesKey
from domain.intervals import Interval
from domain.series import SyncState, SyncStatus
from domain.symbols import Symbol
from functions.api.handler import handler
from local.gateway import serve
from tests.api_support import installed_services

TICKERS = ["AAA", "BBB", "CCC", "DDD"]


def _seed(settings: Settings) -> None:
    store = SqliteBarStore(settings.sqlite_path)
    for ticker in TICKERS:
        key = SeriesKey(Symbol("X", ticker), Interval.D1)
        store.upsert_bars(key, [Bar(i * 86_400, 1, 2, 0.5, 1.5, 1) for i in range(300)])
        store.put_status(SyncStatus(key=key, status=SyncState.OK, bar_count=300))
    store.close()


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond, so interleavings that are rare become certain."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


@pytest.mark.usefixtures("eager_thread_switches")
def test_concurrent_requests_each_get_their_own_answer(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    _seed(settings)
    with installed_services(settings), serve(handler, settings=settings) as gateway:

        def ask(index: int) -> tuple[int, str, int, dict[str, object]]:
            ticker, limit = TICKERS[index % 4], 1 + index % 250
            if index % 3 == 1:  # another route, with another answer model
                url = f"{gateway.url}/market-data/sync-status/X/{ticker}"
                with urllib.request.urlopen(url, timeout=10) as response:
                    return index, ticker, limit, json.loads(response.read())
            wrong = index % 7 == 0  # some requests fail validation, some succeed
            query = f"limit={'x' if wrong else limit}"
            url = f"{gateway.url}/market-data/ohlcv/X/{ticker}?{query}"
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    return index, ticker, limit, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return index, ticker, limit, json.loads(error.read())

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(ask, range(600)))

    for index, ticker, limit, body in answers:
        if index % 3 == 1:
            assert (body["symbol"], body["interval"]) == (ticker, "1d"), (index, body)
        elif index % 7 == 0:
            assert body["error"]["field"] == "limit", (index, body)  # type: ignore[index]
        else:
            assert (body["symbol"], body["count"]) == (ticker, limit), (index, body)
