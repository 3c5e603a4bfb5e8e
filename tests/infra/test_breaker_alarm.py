"""The alarm on the TradingView circuit breaker: it watches the metrics the code emits when
the breaker opens, in the functions and in the streamer, and notifies the alarm topic."""

from __future__ import annotations

from typing import Any

from config import metric_names
from tests.infra.conftest import Synthesized


def _breaker_alarm(synthesized: Synthesized) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        resource["Properties"]
        for resource in synthesized.resources("AWS::CloudWatch::Alarm").values()
        if resource["Properties"]["AlarmName"].endswith("-TradingViewBreakerOpen")
    ]
    (alarm,) = found
    return alarm


def test_the_alarm_fires_on_the_first_opening_from_any_emitter(full: Synthesized) -> None:
    alarm = _breaker_alarm(full)
    assert alarm["Threshold"] == 1 and alarm["EvaluationPeriods"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    watched = {
        query["MetricStat"]["Metric"]["MetricName"]: query["MetricStat"]
        for query in alarm["Metrics"]
        if "MetricStat" in query
    }
    assert set(watched) == {
        metric_names.TRADINGVIEW_BREAKER_OPENED,
        metric_names.STREAMER_BREAKER_OPENED,
    }
    functions = watched[metric_names.TRADINGVIEW_BREAKER_OPENED]
    streamer = watched[metric_names.STREAMER_BREAKER_OPENED]
    assert functions["Metric"]["Namespace"] == metric_names.NAMESPACE
    assert functions["Metric"]["Dimensions"] == [{"Name": "service", "Value": "pocketquant"}]
    assert streamer["Metric"]["Dimensions"] == [
        {"Name": metric_names.STREAMER_DIMENSION, "Value": metric_names.STREAMER_SERVICE}
    ]
    assert functions["Stat"] == streamer["Stat"] == "Sum"
    (summed,) = [query for query in alarm["Metrics"] if "Expression" in query]
    assert summed["ReturnData"] is True and "functions" in summed["Expression"]


def test_the_alarm_is_there_without_any_setting(defaults: Synthesized) -> None:
    assert _breaker_alarm(defaults)["AlarmActions"]
