"""What the chart page's browser tests and ``make screenshot`` share: the local stack of
``make demo`` with an API key, and Debian's chromium driven by Playwright.

Playwright is told to use ``/usr/bin/chromium`` (``make chromium`` installs it); it never
downloads a browser of its own.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from pydantic import SecretStr

from application.queries import MAX_QUERY_LIMIT
from config.settings import Settings
from local.stack import Feed, LocalStack, StackOptions

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1200, "height": 640}
API_KEY = "chart-page-test-key"
WAIT_MS = 15_000
"""How long a test waits for the page to show what it expects."""
# Predicates given to page.wait_for_function are written as functions ("() => …"): a bare
# expression is evaluated with eval, which the page's Content-Security-Policy forbids.

RECORD_POLICY_VIOLATIONS = """
window.__policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__policyViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
"""Run before the page's own scripts: every Content-Security-Policy refusal, kept."""


@dataclass
class ChartStack:
    """The local stack (simulator feed, embedded store) and an HTTP client holding the key."""

    stack: LocalStack
    http: httpx.Client

    @property
    def url(self) -> str:
        return self.stack.url

    def chart_url(self, symbol: str, interval: str) -> str:
        return f"{self.url}/chart?symbol={symbol}&interval={interval}"

    def sync(self, symbol: str, interval: str, n_bars: int) -> None:
        exchange, ticker = symbol.split(":")
        body = {"exchange": exchange, "symbol": ticker, "interval": interval, "n_bars": n_bars}
        self.http.post("/market-data/sync", json=body).raise_for_status()

    def bar_count(self, symbol: str, interval: str) -> int:
        """How many bars the API answers for the page's own query."""
        exchange, ticker = symbol.split(":")
        response = self.http.get(
            f"/market-data/ohlcv/{exchange}/{ticker}",
            params={"interval": interval, "limit": MAX_QUERY_LIMIT},
        )
        response.raise_for_status()
        count: int = response.json()["count"]
        return count


@contextmanager
def chart_stack(data_dir: Path, *, stream_url: str | None = None) -> Iterator[ChartStack]:
    """``make demo`` with ``PQ_API_KEY`` set (and ``PQ_STREAM_URL`` when given)."""
    settings = Settings(data_dir=data_dir, api_key=SecretStr(API_KEY), stream_url=stream_url)
    options = StackOptions(port=0, feed=Feed.SIMULATOR, scheduler=False, retry_delay_s=0)
    with (
        LocalStack(settings, options) as stack,
        httpx.Client(base_url=stack.url, headers={"x-api-key": API_KEY}, timeout=30) as http,
    ):
        yield ChartStack(stack, http)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian chromium with a fresh profile (Playwright makes one per launch)."""
    with sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def _launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_FLAGS)
    )


def new_context(browser: Browser, *, api_key: str | None = None) -> BrowserContext:
    """A context with empty storage, or one whose localStorage already holds ``api_key``."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(RECORD_POLICY_VIOLATIONS)
    if api_key is not None:
        context.add_init_script(f"window.localStorage.setItem('pocketquant.apiKey', {api_key!r});")
    return context


def enter_key(page: Page, key: str = API_KEY) -> None:
    page.locator("#key-form").wait_for(state="visible")
    page.fill("#key-form input[name=key]", key)
    page.click("#key-form button[type=submit]")


def drawn_bar_count(page: Page) -> int:
    """The bar count the page reports once it has drawn (``data-bar-count``)."""
    page.wait_for_selector("#chart-page[data-bar-count]", state="attached")
    return int(page.get_attribute("#chart-page", "data-bar-count") or "-1")


def policy_violations(page: Page) -> list[str]:
    found: Any = page.evaluate("window.__policyViolations")
    return list(found)


def distinct_colours(png: bytes) -> set[tuple[int, ...]]:
    """Every RGB colour of the picture."""
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        counted = rgb.getcolors(maxcolors=rgb.width * rgb.height) or []
    return {colour for _, colour in counted if isinstance(colour, tuple)}


def screenshot_of_chart(page: Page) -> bytes:
    """The chart area with the pointer moved off it (no crosshair)."""
    page.mouse.move(0, 0)
    return page.locator("#chart").screenshot()


def fresh_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
