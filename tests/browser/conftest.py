"""Fixtures of the browser tests: one chromium per session, fresh storage per test.

The local stack installs its services for the whole process, so each test module runs one
stack at a time (module scope), never two at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.browser.harness import chromium, new_context


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A browser profile that has never seen the page: empty localStorage."""
    fresh = new_context(browser)
    yield fresh
    fresh.close()
