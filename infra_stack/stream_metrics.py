"""The stream's metrics as CloudWatch sees them: API Gateway's own for the WebSocket stage,
and the streamer's fan-out metrics of ``config/stream_names.py``.

Alarms need a metric's exact dimensions (a ``SEARCH`` cannot be alarmed on): the streamer
writes every metric with the one dimension ``Service=streamer``.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cw

from config.metric_names import NAMESPACE, STREAMER_DIMENSION, STREAMER_SERVICE

#: API Gateway's WebSocket metrics (namespace AWS/ApiGateway, dimensions ApiId and Stage).
CONNECT_COUNT = "ConnectCount"
MESSAGE_COUNT = "MessageCount"
"""Messages in both directions: client messages and every post to a connection."""
INTEGRATION_ERROR = "IntegrationError"
"""The function answered 4xx/5xx: includes every key refused at $connect (403)."""
CLIENT_ERROR = "ClientError"
"""Refused before the function runs: throttled (429), too large, no such route."""
EXECUTION_ERROR = "ExecutionError"
"""API Gateway could not call the function at all."""
INTEGRATION_LATENCY = "IntegrationLatency"


def gateway(
    stage: apigwv2.WebSocketStage, name: str, *, statistic: str, period: Duration, label: str
) -> cw.Metric:
    return stage.metric(name, statistic=statistic, period=period, label=label)


def streamer(name: str, *, statistic: str, period: Duration, label: str) -> cw.Metric:
    """One of the streamer's own metrics, with the dimension it is written with."""
    return cw.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={STREAMER_DIMENSION: STREAMER_SERVICE},
        statistic=statistic,
        period=period,
        label=label,
    )
