"""Building the CDK app: shared by ``app.py`` and the infrastructure tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from infra_stack import constants as c
from infra_stack import nag
from infra_stack.settings import StackSettings
from infra_stack.stack import PocketQuantStack

SKIP_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}


def cdk_json_context(path: Path = c.CDK_JSON) -> dict[str, Any]:
    """The ``context`` of cdk.json (feature flags and defaults), which the CLI passes to
    the app and a test must pass itself to synthesize the same template."""
    context: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")).get("context", {})
    return context


def build_app(
    *,
    context: dict[str, Any] | None = None,
    post_cli_context: dict[str, Any] | None = None,
    streamer_build_context: Path = c.REPO_ROOT,
    outdir: str | None = None,
) -> tuple[cdk.App, PocketQuantStack]:
    """The app with the one stack and the cdk-nag checks."""
    app = cdk.App(context=context, post_cli_context=post_cli_context, outdir=outdir)
    settings = StackSettings.from_context(app.node)
    stack = PocketQuantStack(
        app,
        c.stack_name(settings.stage),
        settings=settings,
        description=f"PocketQuant market data service ({settings.stage})",
        streamer_build_context=streamer_build_context,
    )
    cdk.Tags.of(app).add("project", c.SERVICE)
    cdk.Tags.of(app).add("stage", settings.stage)
    nag.add_checks(app)
    return app, stack
