"""``GET /chart`` through the api handler: the page, its policy and its refusals."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from domain.intervals import Interval
from functions.api.chart import assets
from functions.api.chart.page import render, stream_origin
from functions.api.routes.chart import chart_assets_missing
from tests.api_support import ApiClient, installed_services

INLINE_SCRIPTS = re.compile(r"<script>(.*?)</script>", re.DOTALL)
INLINE_STYLES = re.compile(r"<style>(.*?)</style>", re.DOTALL)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[ApiClient]:
    with installed_services(Settings(data_dir=tmp_path)):
        yield ApiClient()


def _policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_page_is_html_for_the_series_asked_for(api: ApiClient) -> None:
    response = api.get("/chart?symbol=binance:btcusdt&interval=1h")

    assert response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.body.decode()
    assert 'data-symbol="BINANCE:BTCUSDT"' in page
    assert 'data-interval="1h"' in page
    assert '<option value="1h" data-intraday selected>1h</option>' in page
    assert '<option value="1d">1d</option>' in page
    assert "LightweightCharts" in page  # the library is in the document, not fetched


def test_without_parameters_the_page_shows_daily_aapl(api: ApiClient) -> None:
    page = api.get("/chart").body.decode()

    assert 'data-symbol="NASDAQ:AAPL"' in page and 'data-interval="1d"' in page


def test_the_policy_allows_the_inline_parts_and_no_other_origin(api: ApiClient) -> None:
    response = api.get("/chart")
    page = response.body.decode()
    policy = _policy(response.headers["content-security-policy"])

    scripts = INLINE_SCRIPTS.findall(page)
    styles = INLINE_STYLES.findall(page)
    assert len(scripts) == 2 and len(styles) == 1
    assert sorted(policy["script-src"]) == sorted(_hash(s) for s in scripts)
    assert policy["style-src"] == [_hash(styles[0])]
    assert policy["default-src"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "http" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_configured_stream_url_is_given_to_the_page_and_allowed(tmp_path: Path) -> None:
    url = "wss://abc123.execute-api.eu-west-1.amazonaws.com/dev"
    with installed_services(Settings(data_dir=tmp_path, stream_url=url)):
        response = ApiClient().get("/chart")

    assert f'data-stream-url="{url}"' in response.body.decode()
    connect = _policy(response.headers["content-security-policy"])["connect-src"]
    assert connect == ["'self'", "wss://abc123.execute-api.eu-west-1.amazonaws.com"]


def test_a_stream_url_that_is_no_websocket_is_refused() -> None:
    with pytest.raises(ValueError, match="ws:// or wss://"):
        stream_origin("https://example.com/stream")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("symbol=AAPL", "symbol"),
        ("symbol=NASDAQ:<script>", "symbol"),
        ("symbol=NASDAQ:AAPL&interval=2d", "interval"),
    ],
)
def test_a_bad_symbol_or_interval_is_a_422_naming_it(
    api: ApiClient, query: str, field: str
) -> None:
    response = api.get(f"/chart?{query}")

    assert response.status == 422
    assert response.headers["content-type"] == "application/json"
    assert response.error["field"] == field


def test_without_the_vendored_library_the_page_says_how_to_build_it(tmp_path: Path) -> None:
    for name in (assets.PAGE_TEMPLATE, assets.PAGE_SCRIPT, assets.PAGE_STYLE):
        (tmp_path / name).write_bytes((assets.ASSETS_DIR / name).read_bytes())

    with pytest.raises(assets.ChartAssetsMissing) as raised:
        render("NASDAQ:AAPL", Interval.D1, limit=10, assets_dir=tmp_path)

    response = chart_assets_missing(raised.value)
    assert response.status_code == 500
    assert isinstance(response.body, str)
    assert '"chart_assets_missing"' in response.body
    assert "make chart-assets" in response.body


def test_a_cold_start_neither_imports_the_page_nor_reads_its_files() -> None:
    probe = (
        "import builtins, io, sys\n"
        "opened = []\n"
        "real_open = io.open\n"
        "def spy(file, *a, **k):\n"
        "    opened.append(str(file))\n"
        "    return real_open(file, *a, **k)\n"
        "io.open = builtins.open = spy\n"
        "import functions.api.handler\n"
        "print('functions.api.chart.page' in sys.modules)\n"
        "print(any('/api/chart/' in path for path in opened))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()

    assert found == ["False", "False"]
