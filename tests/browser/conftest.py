"""Fixtures of the browser tests: one chromium per module, fresh storage per test.

Playwright's sync API keeps an event loop running in the main thread while it is open, which
would stop every asyncio test after it: the browser closes with its module. The local stack
installs its services for the whole process, so each module runs one stack at a time.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.browser.harness import chromium, new_context


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A browser profile that has never seen the page: empty localStorage."""
    fresh = new_context(browser)
    yield fresh
    fresh.close()
