"""Where the chart page's files are, for the page and for the build that fills ``vendor/``.

Standard library only: ``layers/`` imports it while building the Lambda assets.
"""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
PAGE_TEMPLATE = "page.html"
PAGE_SCRIPT = "chart.js"
PAGE_STYLE = "chart.css"

VENDOR_DIR_NAME = "vendor"
LIBRARY_PACKAGE = "lightweight-charts"
"""The npm package (pinned in package.json and package-lock.json)."""
LIBRARY_SCRIPT = "lightweight-charts.standalone.production.js"
"""Its standalone production build: one script that defines ``window.LightweightCharts``."""
LIBRARY_LICENSE = "LICENSE"
LIBRARY_VERSION_FILE = "VERSION"
"""The package version the vendored copy came from, written by the build."""


def vendor_dir(assets_dir: Path = ASSETS_DIR) -> Path:
    return assets_dir / VENDOR_DIR_NAME


def library_script(assets_dir: Path = ASSETS_DIR) -> Path:
    return vendor_dir(assets_dir) / LIBRARY_SCRIPT


class ChartAssetsMissing(RuntimeError):
    """lightweight-charts was never copied into ``vendor/``; the message says how to."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path.name} is missing from the chart page's assets: build them with "
            "`make chart-assets` (npm ci, then python -m layers.chart_assets)"
        )


def require_library(assets_dir: Path = ASSETS_DIR) -> Path:
    """The vendored library script; :class:`ChartAssetsMissing` when it was never built."""
    script = library_script(assets_dir)
    if not script.is_file():
        raise ChartAssetsMissing(script)
    return script
