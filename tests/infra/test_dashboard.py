"""The dashboard draws every metric of config/metric_names.py, and nothing else of the code's:
a metric added there gets its graph, a metric nobody emits has none (the emitting side is
tests/unit/test_metric_names.py). The stream's metrics, listed in config/stream_names.py
until their emitters register them there, are drawn the same way."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from config import metric_names, stream_names
from config.metric_names import METRICS, NAMESPACE, Emitter, Metric, Statistic, Unit
from infra_stack import metric_widgets
from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.infra

DRAWN = (*METRICS, *stream_names.METRICS)
DRAWN_BY_NAME = {metric.name: metric for metric in DRAWN}

_SEARCH = re.compile(
    r"(?P<combine>[A-Z]+)\(SEARCH\('Namespace=\"(?P<namespace>[^\"]+)\" "
    r"MetricName=\"(?P<name>[^\"]+)\"', '(?P<statistic>[^']+)', (?P<period>\d+)\)\)"
)


def _dashboard(full: Synthesized) -> dict[str, Any]:
    """The dashboard body as CloudWatch gets it (the region token filled in)."""
    body = full.one("AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    text = "".join(part if isinstance(part, str) else "eu-west-1" for part in parts)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _code_metric_lines(full: Synthesized) -> list[dict[str, Any]]:
    """Each line of a graph drawn from a SEARCH expression, with its graph's title."""
    lines = []
    for widget in _dashboard(full)["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            for item in row:
                if isinstance(item, dict) and "expression" in item:
                    match = _SEARCH.fullmatch(item["expression"])
                    assert match is not None, item["expression"]
                    title = widget["properties"]["title"]
                    lines.append({**match.groupdict(), "label": item["label"], "title": title})
    return lines


def test_every_registered_metric_has_exactly_one_line_and_no_other(full: Synthesized) -> None:
    lines = _code_metric_lines(full)
    assert sorted(line["name"] for line in lines) == sorted(m.name for m in DRAWN)
    for line in lines:
        metric = DRAWN_BY_NAME[line["name"]]
        assert line["namespace"] == NAMESPACE
        assert line["statistic"] == metric.statistic.value
        assert line["combine"] == ("SUM" if metric.statistic is Statistic.SUM else "MAX")
        assert int(line["period"]) == metric_widgets.PERIODS[metric.emitter].to_seconds()
        assert (line["title"], line["label"]) == (metric.widget, metric.label)


def test_metrics_naming_one_graph_share_it(full: Synthesized) -> None:
    titles = {line["title"] for line in _code_metric_lines(full)}
    assert titles == {m.widget for m in DRAWN}
    cache = [line["name"] for line in _code_metric_lines(full) if line["title"].startswith("Query")]
    assert cache == [metric_names.CACHE_HITS, metric_names.CACHE_MISSES, metric_names.CACHE_ERRORS]


def test_a_new_metric_gets_its_graph_with_no_other_change() -> None:
    added = Metric(
        "StreamerHeartbeats",
        Unit.COUNT,
        Emitter.STREAMER,
        Statistic.SUM,
        "Streamer heartbeats",
        "heartbeats",
    )
    before = metric_widgets.graphs(Emitter.STREAMER)
    after = metric_widgets.graphs(Emitter.STREAMER, (*METRICS, added))
    assert len(after) == len(before) + 1
    assert "StreamerHeartbeats" in metric_widgets.search_expression(added)


def test_functions_report_metrics_in_the_dashboards_namespace(full: Synthesized) -> None:
    functions = [
        f["Properties"]["Environment"]["Variables"]
        for f in full.resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").startswith("functions.")
    ]
    assert len(functions) == 4  # api, sync-worker, scheduler, stream
    for env in functions:
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == NAMESPACE
        assert env["POWERTOOLS_SERVICE_NAME"] == metric_names.SERVICE
