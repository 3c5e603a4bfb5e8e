"""The layer's third-party packages, exported from ``uv.lock`` to ``layers/requirements.txt``.

The layer gets the runtime dependencies of ``pyproject.toml`` at exactly the versions the
lock pins (the ones the tests ran), each with its hashes, without their being resolved
again; less boto3, botocore and s3transfer (:data:`layers.build.FORBIDDEN_DISTRIBUTIONS`)
and what only they need, because the Lambda runtime provides those and a copy in the layer
would shadow the runtime's; less uvicorn (:data:`layers.build.LOCAL_ONLY_DISTRIBUTIONS`), which
only the local stack runs::

    python -m layers.export    # rewrite layers/requirements.txt (`make lock` runs it)

Standard library and uv (a dev dependency) only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from layers.build import (
    FORBIDDEN_DISTRIBUTIONS,
    LOCAL_ONLY_DISTRIBUTIONS,
    REPO_ROOT,
    REQUIREMENTS,
    BuildError,
    uv_binary,
)

#: ``uv export`` of the runtime dependencies alone: no extras, no dev group, not the project.
EXPORT_ARGUMENTS: tuple[str, ...] = (
    "export",
    "--frozen",
    "--format",
    "requirements.txt",
    "--no-dev",
    "--no-emit-project",
    "--no-header",
    *(
        option
        for name in (*FORBIDDEN_DISTRIBUTIONS, *LOCAL_ONLY_DISTRIBUTIONS)
        for option in ("--prune", name)
    ),
)

HEADER = """\
# The shared Lambda layer's third-party packages: exported from uv.lock by
# `python -m layers.export` (`make lock` runs it); do not edit, a test fails when it is stale.
# layers/build.py installs exactly these, with --no-deps and --require-hashes.
# boto3, botocore and s3transfer (and what only they need) are left out: the Lambda Python
# runtime provides them, and a copy in the layer would shadow the runtime's. uvicorn (and
# what only it needs) serves the local stack alone and is left out too.
"""


def render(repo_root: Path = REPO_ROOT) -> str:
    """What ``layers/requirements.txt`` must hold for the lock in ``repo_root``."""
    result = subprocess.run(
        [uv_binary(), *EXPORT_ARGUMENTS],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BuildError(f"uv export failed ({result.returncode}):\n{result.stderr}")
    return HEADER + result.stdout


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m layers.export", description=__doc__).parse_args(argv)
    try:
        wanted = render()
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    REQUIREMENTS.write_text(wanted, encoding="utf-8")
    print(REQUIREMENTS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
