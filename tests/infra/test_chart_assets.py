"""The chart page's library: copied from node_modules at the locked version, and shipped in
the function code asset, whose build refuses a page without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.api.chart import assets
from layers import build
from layers.chart_assets import build_chart_assets, locked_version

REPO = Path(__file__).resolve().parents[2]
CHART_IN_FUNCTIONS = assets.ASSETS_DIR.relative_to(REPO / build.FUNCTIONS_PACKAGE)


def _npm_tree(repo: Path, *, locked: str, installed: str) -> None:
    package = repo / "node_modules" / assets.LIBRARY_PACKAGE
    (package / "dist").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": installed}))
    (package / "dist" / assets.LIBRARY_SCRIPT).write_text("window.LightweightCharts = {};")
    (package / assets.LIBRARY_LICENSE).write_text("Apache License 2.0")
    lock = {"packages": {f"node_modules/{assets.LIBRARY_PACKAGE}": {"version": locked}}}
    (repo / "package-lock.json").write_text(json.dumps(lock))


def test_the_locked_library_is_copied_with_its_licence_and_version(tmp_path: Path) -> None:
    _npm_tree(tmp_path, locked="5.2.1", installed="5.2.1")
    chart = tmp_path / "chart"
    chart.mkdir()

    vendor = build_chart_assets(tmp_path, chart)

    assert (vendor / assets.LIBRARY_SCRIPT).read_text() == "window.LightweightCharts = {};"
    assert (vendor / assets.LIBRARY_LICENSE).read_text() == "Apache License 2.0"
    assert (vendor / assets.LIBRARY_VERSION_FILE).read_text() == "5.2.1\n"


def test_another_installed_version_than_the_lock_stops_the_build(tmp_path: Path) -> None:
    _npm_tree(tmp_path, locked="5.2.1", installed="5.0.0")

    with pytest.raises(build.BuildError, match=r"5\.0\.0.*5\.2\.1: run `npm ci`"):
        build_chart_assets(tmp_path, tmp_path)


def test_the_repository_locks_the_vendored_version() -> None:
    version = (assets.vendor_dir() / assets.LIBRARY_VERSION_FILE).read_text().strip()
    package = json.loads((REPO / "package.json").read_text())

    assert version == locked_version(REPO) == package["dependencies"][assets.LIBRARY_PACKAGE]


def _functions_with_chart(repo: Path) -> Path:
    chart = repo / build.FUNCTIONS_PACKAGE / CHART_IN_FUNCTIONS
    chart.mkdir(parents=True)
    (repo / build.FUNCTIONS_PACKAGE / "__init__.py").write_text("")
    (chart.parent / "__init__.py").write_text("")
    (chart / "__init__.py").write_text("")
    return chart


def test_the_function_code_is_not_built_without_the_chart_library(tmp_path: Path) -> None:
    _functions_with_chart(tmp_path / "repo")

    with pytest.raises(build.BuildError, match="make chart-assets"):
        build.build_function_code(tmp_path / "out", repo_root=tmp_path / "repo")


def test_the_function_code_ships_the_chart_page_with_its_library(tmp_path: Path) -> None:
    chart = _functions_with_chart(tmp_path / "repo")
    assets.vendor_dir(chart).mkdir()
    assets.library_script(chart).write_text("window.LightweightCharts = {};")

    out = build.build_function_code(tmp_path / "out", repo_root=tmp_path / "repo")

    shipped = assets.library_script(out / CHART_IN_FUNCTIONS)
    assert shipped.read_text() == "window.LightweightCharts = {};"
