"""The README's picture of the chart page: ``make screenshot`` (or
``python -m tests.browser.screenshot docs/chart-page.png``).

The local stack of ``make demo`` with a key, daily NASDAQ:AAPL synced from the simulator, the
live feed started; the page opened in headless chromium, the key entered, the picture taken
once the bars are drawn and the stream has answered (live, or unavailable).
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from pathlib import Path

from tests.browser.harness import (
    chart_stack,
    chromium,
    drawn_bar_count,
    enter_key,
    fresh_dir,
    new_context,
)

SYMBOL, INTERVAL, BARS = "NASDAQ:AAPL", "1d", 300


def take(output: Path) -> int:
    """Writes the picture to ``output``; returns the number of bars it shows."""
    data_dir = fresh_dir("pocketquant-screenshot-")
    try:
        with chart_stack(data_dir) as demo, chromium() as browser:
            demo.sync(SYMBOL, INTERVAL, BARS)
            demo.http.post("/quotes/start").raise_for_status()
            context = new_context(browser)
            page = context.new_page()
            page.goto(demo.chart_url(SYMBOL, INTERVAL))
            enter_key(page)
            count = drawn_bar_count(page)
            page.wait_for_function(
                "() => document.getElementById('chart-page').dataset.live !== 'connecting'"
            )
            page.mouse.move(0, 0)
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output))
            context.close()
            return count
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.browser.screenshot", description=__doc__)
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    count = take(args.output)
    print(f"{args.output}: {SYMBOL} {INTERVAL}, {count} bars")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
