"""Copy lightweight-charts from ``node_modules`` into the chart page's ``vendor/`` folder.

The api function serves the chart page from ``functions/api/chart/`` (shipped in the
function code asset, as Lambda and the local stack both read it); the library's standalone
production build comes from the npm package pinned in ``package-lock.json``, installed by
``npm ci``. The copy is checked against the lock, so the page never ships a version other
than the locked one::

    python -m layers.chart_assets    # `make chart-assets` runs npm ci first

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from functions.api.chart import assets
from layers.build import REPO_ROOT, BuildError

PACKAGE_LOCK = "package-lock.json"


def locked_version(repo_root: Path = REPO_ROOT) -> str:
    """The library's version in ``package-lock.json``."""
    lock = json.loads((repo_root / PACKAGE_LOCK).read_text(encoding="utf-8"))
    entry = lock.get("packages", {}).get(f"node_modules/{assets.LIBRARY_PACKAGE}")
    if not entry or "version" not in entry:
        raise BuildError(f"{assets.LIBRARY_PACKAGE} is not in {PACKAGE_LOCK}: npm install it")
    return str(entry["version"])


def installed_package(repo_root: Path = REPO_ROOT) -> Path:
    """``node_modules/lightweight-charts``, checked to be the locked version."""
    package = repo_root / "node_modules" / assets.LIBRARY_PACKAGE
    manifest = package / "package.json"
    if not manifest.is_file():
        raise BuildError(f"{package} is not installed: run `npm ci`")
    installed = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    wanted = locked_version(repo_root)
    if installed != wanted:
        raise BuildError(
            f"node_modules holds {assets.LIBRARY_PACKAGE} {installed}, {PACKAGE_LOCK} locks "
            f"{wanted}: run `npm ci`"
        )
    return package


def build_chart_assets(repo_root: Path = REPO_ROOT, assets_dir: Path = assets.ASSETS_DIR) -> Path:
    """Fill ``vendor/`` with the library's script, its licence and its version; returns it."""
    package = installed_package(repo_root)
    vendor = assets.vendor_dir(assets_dir)
    vendor.mkdir(exist_ok=True)
    shutil.copyfile(package / "dist" / assets.LIBRARY_SCRIPT, vendor / assets.LIBRARY_SCRIPT)
    shutil.copyfile(package / assets.LIBRARY_LICENSE, vendor / assets.LIBRARY_LICENSE)
    (vendor / assets.LIBRARY_VERSION_FILE).write_text(locked_version(repo_root) + "\n")
    return vendor


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layers.chart_assets", description=__doc__)
    parser.parse_args(argv)
    try:
        built = build_chart_assets()
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(built)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
