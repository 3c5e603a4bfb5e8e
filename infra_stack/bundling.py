"""Lambda assets bundled on this machine, without Docker (see ``layers/build.py``).

Both assets use the repository root as their source and hash their *output*, so CDK
never fingerprints the whole working tree (virtual environment included), and a skipped
bundling (tests, quick synths) costs nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

from infra_stack import constants as c
from layers.build import BuildError, build_function_code, build_layer


@jsii.implements(cdk.ILocalBundling)
class _LocalBundler:
    """Runs ``build(output_dir)``; a failure stops the synth (there is no Docker to fall
    back to, and CDK's fallback error would hide the cause)."""

    def __init__(self, what: str, build: Callable[[Path], Path]) -> None:
        self._what = what
        self._build = build

    def try_bundle(self, output_dir: str, *args: Any, **kwargs: Any) -> bool:
        try:
            self._build(Path(output_dir))
        except BuildError as exc:
            print(f"[pocketquant] {self._what}: {exc}", file=sys.stderr)
            raise
        return True


def _bundled_asset(what: str, target: str, build: Callable[[Path], Path]) -> lambda_.AssetCode:
    # The command is what the (never used) Docker fallback would run; it also keeps the
    # two assets apart in CDK's staging cache, which keys on the bundling options.
    return lambda_.Code.from_asset(
        str(c.REPO_ROOT),
        asset_hash_type=cdk.AssetHashType.OUTPUT,
        bundling=cdk.BundlingOptions(
            image=cdk.DockerImage.from_registry(c.LAMBDA_BUNDLING_IMAGE),
            command=["python", "-m", "layers.build", target, "/asset-output"],
            local=_LocalBundler(what, build),
        ),
    )


def layer_code() -> lambda_.AssetCode:
    """The shared layer: project packages and third-party wheels, bytecode compiled."""
    return _bundled_asset(
        "shared layer", "layer", lambda out: build_layer(out, repo_root=c.REPO_ROOT)
    )


def function_code() -> lambda_.AssetCode:
    """The handlers: ``functions/`` alone, bytecode compiled."""
    return _bundled_asset(
        "function code", "functions", lambda out: build_function_code(out, repo_root=c.REPO_ROOT)
    )
