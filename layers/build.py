"""Build the Lambda packages without Docker: the shared layer and the function code.

The shared layer holds the project's own packages (:data:`LAYER_PACKAGES`) and the
third-party packages of ``layers/requirements.txt`` (exported from ``uv.lock`` by
``layers/export.py``: exact versions with their hashes), installed by uv as they stand, with
no dependency resolved again, for the Lambda platform (:data:`LAMBDA_PLATFORM`, CPython
3.11, wheels only) and compiled to bytecode by Python 3.11, with hash-based ``.pyc`` files
so the output (and the asset hash) does not depend on file times or on the build
directory. The function code is ``functions/`` alone.

The CDK app calls these from its local bundlers (``infra_stack/bundling.py``); they also
run by hand::

    python -m layers.build layer OUT_DIR       # OUT_DIR/python/... as Lambda unpacks it
    python -m layers.build functions OUT_DIR   # OUT_DIR/functions/...

Standard library, and uv (a dev dependency) for the layer.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from functions.api.chart import assets as chart_assets

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Every third-party package of the layer, pinned with hashes (``python -m layers.export``).
REQUIREMENTS = Path(__file__).resolve().parent / "requirements.txt"

#: The project's packages every function imports; shipped in the layer.
LAYER_PACKAGES: tuple[str, ...] = ("domain", "adapters", "application", "config", "wiring")
#: The handlers' package; shipped as the function code asset.
FUNCTIONS_PACKAGE = "functions"

TARGET_PYTHON: tuple[int, int] = (3, 11)
TARGET_VERSION = ".".join(str(part) for part in TARGET_PYTHON)
LAMBDA_PLATFORM = "x86_64-manylinux2014"  # Lambda's Amazon Linux 2 (glibc 2.26) on x86_64
#: Provided by the Lambda runtime; a copy in the layer would shadow it.
FORBIDDEN_DISTRIBUTIONS: tuple[str, ...] = ("boto3", "botocore", "s3transfer")
#: Project dependencies only the local stack uses (its HTTP server): no function needs them.
LOCAL_ONLY_DISTRIBUTIONS: tuple[str, ...] = ("uvicorn",)

LAYER_MOUNT = "/opt/python"  # where Lambda unpacks the layer's python/ directory
FUNCTION_MOUNT = "/var/task"  # where Lambda unpacks the function code

_IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.pyo", "tests", ".pytest_cache", ".mypy_cache", ".ruff_cache"
)


class BuildError(RuntimeError):
    """The package could not be built; the message says what to fix."""


def check_python(python: str) -> None:
    """Fail unless ``python`` is the Lambda runtime's version (bytecode is version-bound)."""
    probe = "import sys; print('.'.join(map(str, sys.version_info[:2])))"
    found = subprocess.run(
        [python, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.strip()
    if found != TARGET_VERSION:
        raise BuildError(f"{python} is Python {found}; the layer needs Python {TARGET_VERSION}")


def _run(command: Sequence[str], what: str) -> None:
    result = subprocess.run(list(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"{what} failed ({result.returncode}):\n{result.stderr or result.stdout}")


def uv_binary() -> str:
    """The uv executable of this environment (the ``uv`` package of the dev dependencies)."""
    try:
        from uv import find_uv_bin
    except ImportError as exc:
        raise BuildError("uv is not installed here: run `make venv`") from exc
    return find_uv_bin()


def install_requirements(requirements: Path, target: Path, python: str) -> None:
    """Install the pinned, hashed ``requirements`` into ``target`` as Lambda wheels.

    Nothing is resolved: ``--no-deps`` with ``--require-hashes`` installs exactly the lines
    of the file, so the layer holds the locked versions and nothing else.
    """
    _run(
        [
            uv_binary(),
            "pip",
            "install",
            "--quiet",
            "--no-config",
            "--no-deps",
            "--require-hashes",
            "--only-binary",
            ":all:",
            "--python",
            python,
            "--python-platform",
            LAMBDA_PLATFORM,
            "--python-version",
            TARGET_VERSION,
            "--link-mode",
            "copy",
            "--target",
            str(target),
            "-r",
            str(requirements),
        ],
        f"uv pip install -r {requirements.name}",
    )


def compile_bytecode(root: Path, mount: str, python: str) -> None:
    """Compile every module under ``root`` as if it lived at ``mount`` (for tracebacks)."""
    _run(
        [
            python,
            "-m",
            "compileall",
            "-q",
            "-f",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            str(root),
            "-p",
            mount,
            str(root),
        ],
        "compileall",
    )


def copy_package(source: Path, destination: Path) -> None:
    """Copy one package, without tests, caches or stale bytecode."""
    if not (source / "__init__.py").is_file():
        raise BuildError(f"{source} is not a Python package (no __init__.py)")
    shutil.copytree(source, destination, ignore=_IGNORED, dirs_exist_ok=True)


def _check_forbidden(site: Path) -> None:
    found = [
        name
        for name in FORBIDDEN_DISTRIBUTIONS
        if (site / name).exists() or any(site.glob(f"{name}-*.dist-info"))
    ]
    if found:
        raise BuildError(
            f"{', '.join(found)} ended up in the layer: the Lambda runtime provides them; "
            "export the requirements again with `python -m layers.export`"
        )


def build_layer(
    output_dir: Path,
    *,
    repo_root: Path = REPO_ROOT,
    requirements: Path = REQUIREMENTS,
    packages: Sequence[str] = LAYER_PACKAGES,
    python: str = sys.executable,
) -> Path:
    """Write the layer to ``output_dir/python``; returns that directory."""
    check_python(python)
    missing = [name for name in packages if not (repo_root / name / "__init__.py").is_file()]
    if missing:
        raise BuildError(f"layer packages missing under {repo_root}: {', '.join(missing)}")
    site = output_dir / "python"
    site.mkdir(parents=True, exist_ok=True)
    install_requirements(requirements, site, python)
    shutil.rmtree(site / "bin", ignore_errors=True)  # console scripts: useless in a layer
    _check_forbidden(site)
    for name in packages:
        copy_package(repo_root / name, site / name)
    compile_bytecode(site, LAYER_MOUNT, python)
    return site


def build_function_code(
    output_dir: Path, *, repo_root: Path = REPO_ROOT, python: str = sys.executable
) -> Path:
    """Write ``functions/`` (and nothing else) to ``output_dir/functions``; the chart page's
    vendored library must be there (:func:`_check_chart_library`)."""
    check_python(python)
    source = repo_root / FUNCTIONS_PACKAGE
    if not source.is_dir():
        raise BuildError(f"{source} does not exist: the Lambda handlers live there")
    _check_chart_library(source)
    destination = output_dir / FUNCTIONS_PACKAGE
    copy_package(source, destination)
    compile_bytecode(output_dir, FUNCTION_MOUNT, python)
    return destination


def _check_chart_library(functions_dir: Path) -> None:
    """The chart page ships only with its library, which ``make chart-assets`` copies."""
    chart = functions_dir / chart_assets.ASSETS_DIR.relative_to(REPO_ROOT / FUNCTIONS_PACKAGE)
    if (chart / "__init__.py").is_file():
        try:
            chart_assets.require_library(chart)
        except chart_assets.ChartAssetsMissing as exc:
            raise BuildError(str(exc)) from exc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layers.build", description=__doc__)
    parser.add_argument("what", choices=("layer", "functions"))
    parser.add_argument("output_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.what == "layer":
            built = build_layer(args.output_dir)
        else:
            built = build_function_code(args.output_dir)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(built)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
