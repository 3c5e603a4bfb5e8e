"""Dashboard graphs of the code's own metrics, one line for each entry of
``config.metric_names.METRICS``: a metric added there is drawn here with no other change.

Each line is a ``SEARCH`` in the metrics' namespace by metric name, so it finds the series
whatever dimensions the code adds; counts are summed across series, the other statistics
take the largest series (the slowest handler, the busiest streamer).
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw

from config.metric_names import METRICS, NAMESPACE, Emitter, Metric, Statistic

#: The streamer reports every few seconds all day; the functions run now and then.
PERIODS = {Emitter.FUNCTIONS: Duration.minutes(5), Emitter.STREAMER: Duration.minutes(1)}
GRAPH_WIDTH = 8


def search_expression(metric: Metric) -> str:
    """The metric math of one line: the metric's statistic over its emitter's period."""
    period = int(PERIODS[metric.emitter].to_seconds())
    search = f'Namespace="{NAMESPACE}" MetricName="{metric.name}"'
    combine = "SUM" if metric.statistic is Statistic.SUM else "MAX"
    return f"{combine}(SEARCH('{search}', '{metric.statistic.value}', {period}))"


def _line(metric: Metric) -> cw.MathExpression:
    return cw.MathExpression(
        expression=search_expression(metric),
        label=metric.label,
        period=PERIODS[metric.emitter],
    )


def graphs(emitter: Emitter, metrics: Iterable[Metric] = METRICS) -> list[cw.GraphWidget]:
    """One graph per ``widget`` title of the emitter's metrics, in their order."""
    by_widget: dict[str, list[Metric]] = {}
    for metric in metrics:
        if metric.emitter is emitter:
            by_widget.setdefault(metric.widget, []).append(metric)
    return [
        cw.GraphWidget(title=title, width=GRAPH_WIDTH, left=[_line(m) for m in members])
        for title, members in by_widget.items()
    ]
