"""What the chart page does with the stream's messages, against a stand-in server that sends
exactly what each test dictates (``stream_standin.py``), the page pointed at it by
``PQ_STREAM_URL``: its subscription and key, the bar in progress and a new bar, ``since``
after a reconnect, a re-read after a gap, and the status line when the stream is down."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.harness import (
    API_KEY,
    ChartStack,
    chart_stack,
    drawn_bar_count,
    new_context,
    policy_violations,
)
from tests.browser.stream_standin import StandInStream

AAPL = "NASDAQ:AAPL"
CHANNEL = "bars:NASDAQ:AAPL:1d"


@pytest.fixture(scope="module")
def stream() -> Iterator[StandInStream]:
    standin = StandInStream()
    yield standin
    standin.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, stream: StandInStream) -> Iterator[ChartStack]:
    with chart_stack(tmp_path_factory.mktemp("chart"), stream_url=stream.url) as running:
        running.sync(AAPL, "1d", 120)
        yield running


@pytest.fixture
def keyed(browser: Browser, stream: StandInStream) -> Iterator[BrowserContext]:
    stream.refuse = False
    context = new_context(browser, api_key=API_KEY)
    yield context
    context.close()
    while not stream.received.empty():  # what this test's page sent is not the next one's
        stream.received.get_nowait()


def _last_bar(demo: ChartStack) -> dict[str, float | str]:
    response = demo.http.get("/market-data/ohlcv/NASDAQ/AAPL", params={"limit": 1})
    bar: dict[str, float | str] = response.json()["data"][-1]
    return bar


def _subscribed_page(demo: ChartStack, stream: StandInStream, context: BrowserContext) -> Page:
    page = context.new_page()
    page.goto(demo.chart_url(AAPL, "1d"))
    assert drawn_bar_count(page) == 120
    assert stream.next_message("subscribe")["channels"] == [CHANNEL]
    stream.send({"type": "subscribed", "channel": CHANNEL, "seq": 41})
    page.wait_for_selector("#chart-page[data-live='live']", state="attached")
    return page


def _bar(seq: int, datetime: str, close: float, high: float) -> dict[str, object]:
    data = {"datetime": datetime, "open": close, "high": high, "low": close, "close": close}
    return {
        "type": "bar",
        "channel": CHANNEL,
        "seq": seq,
        "complete": False,
        "data": {**data, "volume": 10.0},
    }


def _wait_for_close(page: Page, close: float) -> None:
    page.wait_for_function(
        "(close) => Number(document.getElementById('chart-page').dataset.lastClose) === close",
        arg=close,
    )


def test_the_page_subscribes_with_its_key_and_draws_the_bar_in_progress(
    demo: ChartStack, stream: StandInStream, keyed: BrowserContext
) -> None:
    page = _subscribed_page(demo, stream, keyed)
    query = parse_qs(urlsplit(stream.connect_paths.get_nowait()).query)
    assert query == {"key": [API_KEY]}
    last = _last_bar(demo)
    close = round(float(last["close"]) + 1.25, 2)

    stream.send(_bar(42, str(last["datetime"]), close, high=close))

    _wait_for_close(page, close)
    assert page.get_attribute("#chart-page", "data-bar-count") == "120"  # the same bar, moved
    assert "NASDAQ:AAPL · 1d · 120 bars · live" in page.inner_text("#status")
    assert policy_violations(page) == []


def test_a_bar_of_the_next_period_is_drawn_as_one_more_bar(
    demo: ChartStack, stream: StandInStream, keyed: BrowserContext
) -> None:
    page = _subscribed_page(demo, stream, keyed)

    stream.send(_bar(42, "2099-01-02T14:30:00Z", 321.5, high=322.0))

    _wait_for_close(page, 321.5)
    assert page.get_attribute("#chart-page", "data-bar-count") == "121"
    assert page.get_attribute("#chart-page", "data-last-time") == "2099-01-02T14:30:00.000Z"


def test_after_a_reconnect_the_page_asks_for_what_it_missed(
    demo: ChartStack, stream: StandInStream, keyed: BrowserContext
) -> None:
    page = _subscribed_page(demo, stream, keyed)
    stream.send(_bar(42, "2099-01-02T14:30:00Z", 300.5, high=300.5))
    _wait_for_close(page, 300.5)

    stream.drop_all()

    resubscribed = stream.next_message("subscribe")
    assert resubscribed == {"action": "subscribe", "channels": [CHANNEL], "since": {CHANNEL: 42}}
    # A message already seen is dropped: drawn, this one would add a bar, and the next one,
    # of the earlier day, would then be too old to draw.
    stream.send(_bar(42, "2099-01-03T14:30:00Z", 1.5, high=1.5))
    stream.send(_bar(43, "2099-01-02T14:30:00Z", 301.5, high=301.5))
    _wait_for_close(page, 301.5)
    assert page.get_attribute("#chart-page", "data-bar-count") == "121"


def test_a_gap_makes_the_page_read_the_stored_bars_again(
    demo: ChartStack, stream: StandInStream, keyed: BrowserContext
) -> None:
    page = _subscribed_page(demo, stream, keyed)
    stream.send(_bar(42, "2099-01-02T14:30:00Z", 300.0, high=300.0))
    page.wait_for_selector("#chart-page[data-bar-count='121']", state="attached")

    stream.send({"type": "gap", "channel": CHANNEL, "since": 3, "oldest": 40, "message": "…"})

    page.wait_for_selector("#chart-page[data-bar-count='120']", state="attached")
    assert float(page.get_attribute("#chart-page", "data-last-close") or "nan") == float(
        _last_bar(demo)["close"]
    )


def test_without_the_stream_the_page_draws_the_bars_and_says_the_feed_is_unavailable(
    demo: ChartStack, stream: StandInStream, keyed: BrowserContext
) -> None:
    stream.refuse = True
    page = keyed.new_page()
    page.goto(demo.chart_url(AAPL, "1d"))

    page.wait_for_selector("#chart-page[data-live='unavailable']", state="attached")

    assert drawn_bar_count(page) == demo.bar_count(AAPL, "1d")
    assert "120 bars · live feed unavailable (retrying)" in page.inner_text("#status")
