#!/usr/bin/env python3
"""CDK entry point: ``npx cdk synth`` / ``npx cdk deploy`` (see cdk.json).

Settings come from CDK context (cdk.json or ``-c key=value``; infra_stack/settings.py).
``PQ_SKIP_BUNDLING=1`` skips building the Lambda layer and code (a quick synth to check
the template; such an assembly cannot be deployed).
"""

from __future__ import annotations

import os

from infra_stack.app_builder import SKIP_BUNDLING, build_app


def main() -> None:
    skip = os.environ.get("PQ_SKIP_BUNDLING", "") not in ("", "0", "false")
    app, _ = build_app(post_cli_context=SKIP_BUNDLING if skip else None)
    app.synth()


if __name__ == "__main__":
    main()
