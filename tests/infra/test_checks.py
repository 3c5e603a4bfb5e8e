"""cdk-nag and cfn-lint on the synthesized templates."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint

from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.infra

IGNORED = ("W3005",)  # CDK's redundant DependsOn: benign, on every stack


def _report(synthesized: Synthesized) -> dict[str, list[dict[str, object]]]:
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    return {plugin["pluginName"]: plugin["violations"] for plugin in report["pluginReports"]}


@pytest.mark.parametrize("name", ["full", "defaults"])
def test_cdk_nag_reports_nothing_unacknowledged(name: str, request: pytest.FixtureRequest) -> None:
    # The fixture's app.synth() already raises on an unacknowledged error; warnings and
    # anything else would show up in the report.
    synthesized: Synthesized = request.getfixturevalue(name)
    violations = _report(synthesized)
    assert violations.get("AwsSolutions", []) == []


@pytest.mark.parametrize("name", ["full", "defaults"])
def test_cfn_lint_finds_no_error(name: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(name)
    matches = lint(
        json.dumps(synthesized.template),
        config=ManualArgs(ignore_checks=list(IGNORED), regions=["us-east-1"]),
    )
    errors = [m for m in matches if m.rule.id.startswith("E")]
    assert errors == [], "\n".join(str(m) for m in errors)
