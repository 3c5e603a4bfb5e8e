"""One lock, uv.lock, for the dev environment, the Lambda layer and the streamer image.

Every check runs uv offline: the lock, the environment and the files say everything.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from infra_stack import constants as c
from layers import build, export

LOCK = c.REPO_ROOT / "uv.lock"
PYPROJECT = c.REPO_ROOT / "pyproject.toml"
DOCKERFILE = c.REPO_ROOT / c.STREAMER_DOCKERFILE
POWERTOOLS = "aws-lambda-powertools"


def _uv(*args: str, cwd: Path = c.REPO_ROOT) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": sys.prefix,  # the environment these tests run in
        "UV_PYTHON_DOWNLOADS": "never",
    }
    return subprocess.run(
        [build.uv_binary(), *args, "--offline", "--python", sys.executable],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _locked_versions() -> dict[str, str]:
    lock = tomllib.loads(LOCK.read_text(encoding="utf-8"))
    return {
        canonicalize_name(package["name"]): package["version"]
        for package in lock["package"]
        if "version" in package
    }


def _layer_requirements() -> list[tuple[Requirement, list[str]]]:
    """Each requirement of layers/requirements.txt with its hashes."""
    text = build.REQUIREMENTS.read_text(encoding="utf-8").replace("\\\n", " ")
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement, *options = line.split(" --hash=")
        entries.append((Requirement(requirement.strip()), [h.strip() for h in options]))
    return entries


def _pinned_version(requirement: Requirement) -> str:
    (specifier,) = requirement.specifier
    assert specifier.operator == "==", requirement
    return specifier.version


def _project_table() -> dict[str, Any]:
    table: dict[str, Any] = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return table


def _runtime_requirements() -> list[str]:
    return list(_project_table()["dependencies"])


def _extras_requirements() -> list[str]:
    extras = _project_table()["optional-dependencies"]
    return [requirement for group in extras.values() for requirement in group]


def test_the_lock_agrees_with_pyproject() -> None:
    result = _uv("lock", "--check")
    assert result.returncode == 0, f"uv.lock is stale: run `make lock`\n{result.stderr}"


def test_the_lock_check_fails_when_a_dependency_changes(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(c.REPO_ROOT / name, tmp_path / name)
    assert _uv("lock", "--check", cwd=tmp_path).returncode == 0

    pyproject = tmp_path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert "\ndependencies = [\n" in text
    pyproject.write_text(
        text.replace("\ndependencies = [\n", '\ndependencies = [\n    "six>=1.16",\n', 1),
        encoding="utf-8",
    )
    assert _uv("lock", "--check", cwd=tmp_path).returncode != 0


def test_every_locked_version_lies_in_its_pyproject_range() -> None:
    declared = [*_runtime_requirements(), *_extras_requirements()]
    locked = _locked_versions()
    outside = {
        str(requirement): locked[canonicalize_name(requirement.name)]
        for requirement in map(Requirement, declared)
        if locked[canonicalize_name(requirement.name)] not in requirement.specifier
    }
    assert outside == {}


def test_the_dev_environment_is_exactly_the_lock() -> None:
    result = _uv("sync", "--locked", "--all-extras", "--check")
    assert result.returncode == 0, f"run `make venv`\n{result.stderr}"


def test_the_environment_check_sees_packages_the_lock_does_not_ask_for() -> None:
    # Without the extras the dev tools are extraneous: the check above is not blind.
    result = _uv("sync", "--locked", "--check")
    assert result.returncode != 0
    assert " - pytest==" in result.stderr


def test_the_layer_requirements_are_exported_from_the_lock() -> None:
    assert build.REQUIREMENTS.read_text(encoding="utf-8") == export.render(), (
        "layers/requirements.txt is stale: run `make lock`"
    )


def test_the_layer_pins_every_package_at_its_locked_version_with_hashes() -> None:
    locked = _locked_versions()
    entries = _layer_requirements()
    names = {canonicalize_name(requirement.name) for requirement, _ in entries}
    for requirement, hashes in entries:
        assert _pinned_version(requirement) == locked[canonicalize_name(requirement.name)]
        assert hashes, f"{requirement.name} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), requirement.name

    runtime = {canonicalize_name(Requirement(line).name) for line in _runtime_requirements()}
    forbidden = {canonicalize_name(name) for name in build.FORBIDDEN_DISTRIBUTIONS}
    local_only = {canonicalize_name(name) for name in build.LOCAL_ONLY_DISTRIBUTIONS}
    assert runtime - forbidden - local_only <= names
    assert not names & (forbidden | local_only)
    assert "aws-xray-sdk" in names  # Powertools' Tracer imports it on Lambda


def test_the_dev_environment_runs_the_layers_versions() -> None:
    # What `pip freeze` of the dev venv says, for every package the layer ships.
    differing = {}
    for requirement, _ in _layer_requirements():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        installed = importlib.metadata.version(requirement.name)
        if installed != _pinned_version(requirement):
            differing[requirement.name] = (installed, _pinned_version(requirement))
    assert differing == {}


def test_the_streamer_image_installs_from_the_lock() -> None:
    lines = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    instructions = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    copies = [line.split()[1:-1] for line in instructions if line.startswith("COPY ")]
    sources = [source for copy in copies if "--from=build" not in copy for source in copy]
    assert "uv.lock" in sources
    excluded = [s for s in sources if any(fnmatch(s, p) for p in c.STREAMER_CONTEXT_EXCLUDES)]
    assert excluded == [], "the image copies what its build context leaves out"

    runs = [line.removeprefix("RUN ") for line in instructions if line.startswith("RUN ")]
    installs = [run for run in runs if "pip install" in run]
    assert len(installs) == 1, installs  # uv, and nothing else, comes from pip
    version_expression = re.search(r"python -c '([^']+)'", installs[0])
    assert version_expression is not None
    uv_version = subprocess.run(
        [sys.executable, "-c", version_expression.group(1)],
        cwd=c.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert uv_version == _locked_versions()["uv"]

    syncs = [run for run in runs if run.startswith("uv sync")]
    assert syncs, "the image installs nothing with uv"
    for sync in syncs:
        options = sync.split()
        assert "--locked" in options
        assert "--no-dev" in options
        assert not {"--all-extras", "--extra", "--inexact"} & set(options)
    assert "--no-editable" in syncs[-1].split()


def _make(*args: str, cwd: Path) -> str:
    # Not the flags of a `make test` that may be running these tests.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_bootstrap_installs_the_locked_uv() -> None:
    printed = _make(
        "-s",
        "--eval=locked-uv-version: ; @echo $(LOCKED_UV_VERSION)",
        "locked-uv-version",
        cwd=c.REPO_ROOT,
    )
    assert printed.strip() == _locked_versions()["uv"]


def test_make_reinstalls_the_environment_when_the_lock_changes(tmp_path: Path) -> None:
    for name in ("Makefile", "pyproject.toml", "uv.lock"):
        shutil.copy(c.REPO_ROOT / name, tmp_path / name)
    uv = tmp_path / ".venv" / "bin" / "uv"
    uv.parent.mkdir(parents=True)
    uv.touch()
    stamp = tmp_path / ".venv" / ".installed-stamp"
    stamp.touch()
    past = stamp.stat().st_mtime - 60
    for name in ("pyproject.toml", "uv.lock"):
        os.utime(tmp_path / name, (past, past))

    assert "uv sync" not in _make("-n", "venv", cwd=tmp_path)
    os.utime(tmp_path / "uv.lock")  # a new lock
    assert "uv sync --locked --all-extras" in _make("-n", "venv", cwd=tmp_path)


def test_powertools_is_pinned_to_the_minor_whose_private_attributes_we_use() -> None:
    (line,) = (r for r in _runtime_requirements() if r.startswith(POWERTOOLS))
    specifier = Requirement(line).specifier
    assert re.fullmatch(r"~=\d+\.\d+\.0", str(specifier)), specifier
    major, minor, *_ = _locked_versions()[POWERTOOLS].split(".")
    assert specifier == SpecifierSet(f"~={major}.{minor}.0")

    resolver = APIGatewayRestResolver()
    for name in ("_to_proxy_event", "_build_response", "_resolve", "_static_routes"):
        assert hasattr(resolver, name), f"Powertools no longer has {name}"
    assert hasattr(resolver, "_dynamic_routes")
    assert callable(Tracer._is_tracer_disabled)
