"""One synthesized template per test session, bundling skipped (see cdk-notes).

``full`` sets every optional setting (TradingView secret, alarm e-mail, a webhook) so the
checks see every resource the stack can make; ``defaults`` is a synth with no settings at
all, as ``cdk synth`` on a fresh clone does. cdk-nag runs in both: an unacknowledged
finding makes ``app.synth()`` raise, and the session fails there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import assertions

from infra_stack import constants as c
from infra_stack.app_builder import SKIP_BUNDLING, build_app, cdk_json_context
from infra_stack.stack import PocketQuantStack

MONGODB_SECRET_ARN = (
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pocketquant/qa/mongodb-uri-AbC123"
)
TRADINGVIEW_SECRET_ARN = (
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pocketquant/qa/tradingview-XyZ789"
)
FULL_CONTEXT: dict[str, Any] = {
    c.CTX_STAGE: "qa",
    c.CTX_MONGODB_SECRET_ARN: MONGODB_SECRET_ARN,
    c.CTX_TRADINGVIEW_SECRET_ARN: TRADINGVIEW_SECRET_ARN,
    c.CTX_ALARM_EMAIL: "ops@example.com",
    c.CTX_WEBHOOKS: json.dumps(
        [{"name": "alerts", "url": "https://hooks.example.com/pq", "events": ["SyncFailed"]}]
    ),
    c.CTX_SYMBOLS: "NASDAQ:AAPL,BINANCE:BTCUSDT",
    c.CTX_SYNC_CONCURRENCY: 3,
    c.CTX_GUARDRAILS: json.dumps({"tradingviewRequestsPerMinute": 30}),
}
STAND_IN_DOCKERFILE = 'FROM python:3.11-slim\nCMD ["pocketquant", "streamer"]\n'


@dataclass(frozen=True)
class Synthesized:
    stack: PocketQuantStack
    template: dict[str, Any]
    outdir: Path

    @property
    def assertions(self) -> assertions.Template:
        return assertions.Template.from_json(self.template)

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.template["Resources"].items()
            if resource["Type"] == resource_type
        }

    def one(self, resource_type: str) -> dict[str, Any]:
        found = self.resources(resource_type)
        assert len(found) == 1, f"{len(found)} {resource_type}"
        return next(iter(found.values()))


def _streamer_build_context(tmp: Path) -> Path:
    """The repository, or a stand-in while ``streamer/Dockerfile`` does not exist yet."""
    if (c.REPO_ROOT / c.STREAMER_DOCKERFILE).is_file():
        return c.REPO_ROOT
    (tmp / c.STREAMER_DIRECTORY).mkdir(parents=True)
    (tmp / c.STREAMER_DOCKERFILE).write_text(STAND_IN_DOCKERFILE, encoding="utf-8")
    return tmp


def _synth(tmp: Path, settings: dict[str, Any]) -> Synthesized:
    outdir = tmp / "cdk.out"
    app, stack = build_app(
        context={**cdk_json_context(), **SKIP_BUNDLING, **settings},
        streamer_build_context=_streamer_build_context(tmp / "context"),
        outdir=str(outdir),
    )
    assembly = app.synth()
    template = assembly.get_stack_by_name(stack.stack_name).template
    return Synthesized(stack=stack, template=template, outdir=outdir)


@pytest.fixture(scope="session")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    yield _synth(tmp_path_factory.mktemp("full"), FULL_CONTEXT)


@pytest.fixture(scope="session")
def defaults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    yield _synth(tmp_path_factory.mktemp("defaults"), {})
