"""The local stack's scheduled syncs: a firing runs every tracked series through the queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from config.schedules import schedule_by_name
from config.settings import Settings
from local.stack import Feed, LocalStack, StackOptions


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    options = StackOptions(port=0, feed=Feed.SIMULATOR, retry_delay_s=0)
    with LocalStack(Settings(data_dir=tmp_path), options) as running:
        yield running


SERIES = (("AAPL", "1d"), ("MSFT", "1d"), ("AAPL", "1h"))


def _statuses(client: httpx.Client) -> dict[tuple[str, str], dict[str, object]]:
    found: dict[tuple[str, str], dict[str, object]] = {}
    for symbol, interval in SERIES:
        response = client.get(
            f"/market-data/sync-status/NASDAQ/{symbol}", params={"interval": interval}
        )
        found[(symbol, interval)] = response.json()
    return found


def test_a_firing_syncs_each_tracked_series_of_the_schedule_in_the_background(
    stack: LocalStack,
) -> None:
    with httpx.Client(base_url=stack.url, timeout=20) as client:
        for symbol, interval in SERIES:
            body = {"symbol": symbol, "exchange": "NASDAQ", "interval": interval, "n_bars": 20}
            assert client.post("/market-data/sync", json=body).status_code == 200
        before = _statuses(client)
        assert stack.simulator is not None
        fetches = stack.simulator.simulator.stats.messages_received["create_series"]

        reply = stack.fire(schedule_by_name("sync-daily-market-hours"))
        assert stack.queue is not None and stack.queue.wait_idle(10)
        after = _statuses(client)

    assert reply == {"schedule": "sync-daily-market-hours", "enqueued": 2}
    assert stack.simulator.simulator.stats.messages_received["create_series"] == fetches + 2
    assert all(after[key]["status"] == "ok" for key in after)
    assert after[("AAPL", "1h")] == before[("AAPL", "1h")]  # not this schedule's interval


def test_the_stack_runs_the_scheduler_and_announces_its_next_firings(stack: LocalStack) -> None:
    assert stack.scheduler is not None and stack.scheduler.running
    names = [schedule.name for _, schedule in stack.scheduler.upcoming()]
    assert sorted(names) == ["sync-all-every-6h", "sync-daily-market-hours"]


def test_closing_the_stack_stops_every_part(tmp_path: Path) -> None:
    options = StackOptions(port=0, feed=Feed.SIMULATOR, retry_delay_s=0)
    stack = LocalStack(Settings(data_dir=tmp_path), options).start()
    url = stack.url
    scheduler = stack.scheduler

    stack.close()

    assert scheduler is not None and not scheduler.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health")
