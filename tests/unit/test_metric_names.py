"""Every metric the code emits is in config/metric_names.py, with the unit it is emitted in,
and nothing emits a name written anywhere else (the dashboard is drawn from that module:
tests/infra/test_dashboard.py)."""

from __future__ import annotations

import ast
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.metrics.provider.cold_start import reset_cold_start_flag

from config import metric_names
from config.metric_names import METRICS, NAMESPACE, Emitter, Unit, emitted_by
from functions.common import observability
from local.lambda_context import LocalLambdaContext
from streamer.metrics import Counters, MetricsReporter

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "config" / "metric_names.py"
EMITTER_FOLDERS = {Emitter.FUNCTIONS: REPO / "functions", Emitter.STREAMER: REPO / "streamer"}
SOURCE_FOLDERS = [
    path
    for path in sorted(REPO.iterdir())
    if (path / "__init__.py").is_file() and path.name not in ("tests", ".venv")
]
EMITTING_FUNCTIONS = frozenset({"count", "record_latency", "single_metric"})  # called by name
EMITTING_METHODS = frozenset({"add_metric", "single_metric"})  # called on a metrics object
CONSTANTS = {
    constant: value
    for constant, value in vars(metric_names).items()
    if constant.isupper() and isinstance(value, str) and value in metric_names.BY_NAME
}
"""Module constant -> metric name, e.g. ``BARS_SYNCED`` -> ``BarsSynced``."""
EMITTED_BY_POWERTOOLS = {metric_names.COLD_START}


def _sources(folders: list[Path]) -> Iterator[tuple[Path, ast.Module]]:
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            if path != MODULE:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def _imported_metric_constants(tree: ast.Module) -> set[str]:
    """Metric constants the module takes from config.metric_names (and then uses)."""
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "config.metric_names"
        for alias in node.names
        if alias.name in CONSTANTS
    }
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return {name for name in imported if name in used}


def _emits(called: ast.expr) -> bool:
    if isinstance(called, ast.Name):
        return called.id in EMITTING_FUNCTIONS
    return isinstance(called, ast.Attribute) and called.attr in EMITTING_METHODS


def test_names_are_unique_cloudwatch_names_with_units() -> None:
    names = [metric.name for metric in METRICS]
    assert len(names) == len(set(names))
    for metric in METRICS:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,254}", metric.name), metric.name
        assert metric.unit in Unit and metric.label and metric.widget
    assert set(CONSTANTS.values()) == set(names)  # every registered metric has its constant


@pytest.mark.parametrize("emitter", list(Emitter))
def test_every_registered_metric_is_emitted_by_its_emitter(emitter: Emitter) -> None:
    wanted = {m.name for m in emitted_by(emitter)} - EMITTED_BY_POWERTOOLS
    found: set[str] = set()
    for _path, tree in _sources([EMITTER_FOLDERS[emitter]]):
        found |= {CONSTANTS[name] for name in _imported_metric_constants(tree) if name in CONSTANTS}
    assert wanted - found == set(), "registered, but never imported where it would be emitted"


def test_no_metric_name_is_written_outside_the_module() -> None:
    registered = set(metric_names.BY_NAME)
    restated = []
    for path, tree in _sources(SOURCE_FOLDERS):
        where = path.relative_to(REPO)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in registered:
                restated.append(f"{where}:{node.lineno}: {node.value!r}")
            if isinstance(node, ast.Call) and _emits(node.func):
                arguments = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "name")]
                if any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in arguments):
                    restated.append(f"{where}:{node.lineno}: a metric name written as a literal")
    assert restated == []


def _emf(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def test_the_functions_emit_in_the_registered_namespace_units_and_dimension(
    capsys: pytest.CaptureFixture[str],
) -> None:
    counted = [m for m in emitted_by(Emitter.FUNCTIONS) if m.name not in EMITTED_BY_POWERTOOLS]

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        for metric in counted:
            if metric.name == metric_names.REQUEST_LATENCY:
                observability.record_latency(12.5)
            else:
                observability.count(metric.name)
        return {}

    # A fresh container, whatever other tests invoked before (Powertools ships no hints).
    reset_cold_start_flag()  # type: ignore[no-untyped-call]
    previous = observability.set_metrics_enabled(True)
    try:
        observability.instrument(handler)({}, LocalLambdaContext("pocketquant-api"))
    finally:
        observability.set_metrics_enabled(previous)
    units: dict[str, str] = {}
    for document in _emf(capsys.readouterr().out):
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE
        assert document["service"] == metric_names.SERVICE
        units |= {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    expected = {m.name: m.unit.value for m in emitted_by(Emitter.FUNCTIONS)}
    assert units == expected  # ColdStart included: Powertools writes it under that name


def test_the_streamer_line_carries_exactly_its_registered_metrics() -> None:
    counters = Counters(ticks=10, subscriptions=1, lag_samples=[0.2], flush_ms=[1.0])
    line = MetricsReporter(lambda: counters, clock=lambda: 1.0, out=io.StringIO()).line()
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == NAMESPACE
    assert directive["Dimensions"] == [[metric_names.STREAMER_DIMENSION]]
    assert line[metric_names.STREAMER_DIMENSION] == metric_names.STREAMER_SERVICE
    units = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert units == {m.name: m.unit.value for m in emitted_by(Emitter.STREAMER)}
