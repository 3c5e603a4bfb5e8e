"""The pre-commit hook (.pre-commit-config.yaml) refuses a commit that `make test` would fail.

Each test installs the hook in a scratch git repository with the project's configuration and
its .venv (the hooks run the venv's tools; no network), then commits.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra_stack import constants as c

CLEAN = '''"""A module every check accepts."""


def double(value: int) -> int:
    return value * 2
'''

REFUSED = {
    "ruff check": CLEAN + "\n\nimport os\n",
    "ruff format": CLEAN.replace("value * 2", "value*2"),
    "mypy --strict": CLEAN.replace("value * 2", "str(value)"),
}


def _run(command: list[str], repo: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
    }
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in (".pre-commit-config.yaml", "pyproject.toml", ".gitignore"):
        shutil.copy(c.REPO_ROOT / name, repo / name)
    (repo / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    assert _run(["git", "init", "-q", "-b", "main"], repo).returncode == 0
    installed = _run([str(repo / ".venv" / "bin" / "pre-commit"), "install"], repo)
    assert installed.returncode == 0, installed.stderr
    return repo


def _commit(repo: Path, source: str) -> subprocess.CompletedProcess[str]:
    (repo / "module.py").write_text(source, encoding="utf-8")
    _run(["git", "add", "-A"], repo)
    return _run(["git", "commit", "-q", "-m", "change"], repo)


def test_a_clean_change_is_committed(repo: Path) -> None:
    result = _commit(repo, CLEAN)
    assert result.returncode == 0, result.stderr
    assert _run(["git", "rev-parse", "--verify", "HEAD"], repo).returncode == 0


@pytest.mark.parametrize("hook", sorted(REFUSED))
def test_a_change_the_checks_reject_is_not_committed(repo: Path, hook: str) -> None:
    result = _commit(repo, REFUSED[hook])
    assert result.returncode != 0
    failed = [line for line in result.stderr.splitlines() if line.endswith("Failed")]
    assert [line.split(".")[0] for line in failed] == [hook], result.stderr
    assert _run(["git", "rev-parse", "--verify", "HEAD"], repo).returncode != 0
