"""The names the stream's code and its AWS side share: the handler, the WebSocket routes and
the metrics the stream emits.

The CDK stack (``infra_stack/stream.py``) declares one route per key of :data:`ROUTE_KEYS`,
all on the Lambda :data:`HANDLER`, and draws and alarms on :data:`METRICS`. The handler
dispatches on ``requestContext.routeKey`` and the local gateway selects routes by the same
keys, so both sides read them here.

The stream's metrics are listed here rather than in ``config.metric_names.METRICS``, whose
tests require every registered metric to be emitted: they move there with the code that
emits them, keeping these names.

Standard library only: the handler's cold import, the streamer and the CDK app import it.
"""

from __future__ import annotations

from typing import Final

from config.metric_names import Emitter, Metric, Statistic, Unit

HANDLER: Final = "functions.stream.handler.handler"
"""The one Lambda handler of every route: ``$connect``, ``$disconnect``, ``$default`` and
the client actions."""

ROUTE_SELECTION_EXPRESSION: Final = "$request.body.action"
"""A client message ``{"action": "subscribe", ...}`` goes to the route ``subscribe``."""

CONNECT: Final = "$connect"
"""Checks the API key (``x-api-key`` header or ``key`` query parameter) against the keys of
the REST API's usage plan (``PQ_API_KEY_USAGE_PLAN_ID``); a 403 refuses the connection."""
DISCONNECT: Final = "$disconnect"
DEFAULT: Final = "$default"
"""Anything that is not JSON or names no known action: answered with ``bad_request``."""
SUBSCRIBE: Final = "subscribe"
UNSUBSCRIBE: Final = "unsubscribe"
PING: Final = "ping"

ACTIONS: Final = (SUBSCRIBE, UNSUBSCRIBE, PING)
"""The ``action`` of each client message; each is a route of its own (its own metrics and
throttling on AWS)."""
ROUTE_KEYS: Final = (CONNECT, DISCONNECT, DEFAULT, *ACTIONS)
TWO_WAY_ROUTE_KEYS: Final = (DEFAULT, *ACTIONS)
"""Routes whose handler's return ``body`` is sent back to the client as one message (a
``pong``, an ``error``); further messages (replays, ``subscribed``) go through the
management API. ``$connect`` and ``$disconnect`` answer only with a status code."""

# ---- metrics (namespace config.metric_names.NAMESPACE, the streamer's one dimension
# Service=streamer, as every streamer metric)
STREAM_CONNECTIONS: Final = "StreamConnections"
"""Connections open, as the streamer counts them in the connection registry."""
STREAM_MESSAGES_SENT: Final = "StreamMessagesSent"
"""Every message posted to a connection: channel messages, heartbeats, closings."""
STREAM_FANOUT_ERRORS: Final = "StreamFanoutErrors"
"""Posts that failed for another reason than the connection being gone (410 removes it)."""
STREAM_SLOW_CONSUMERS: Final = "StreamSlowConsumersDropped"
"""Connections dropped with ``slow_consumer`` (throttled posts, again and again)."""

_DROPS = "Stream fan-out errors and slow consumers"

METRICS: Final[tuple[Metric, ...]] = (
    Metric(
        STREAM_CONNECTIONS,
        Unit.COUNT,
        Emitter.STREAMER,
        Statistic.MAXIMUM,
        "Stream connections open",
        "connections",
    ),
    Metric(
        STREAM_MESSAGES_SENT,
        Unit.COUNT,
        Emitter.STREAMER,
        Statistic.SUM,
        "Stream messages sent",
        "messages",
    ),
    Metric(STREAM_FANOUT_ERRORS, Unit.COUNT, Emitter.STREAMER, Statistic.SUM, _DROPS, "errors"),
    Metric(
        STREAM_SLOW_CONSUMERS,
        Unit.COUNT,
        Emitter.STREAMER,
        Statistic.SUM,
        _DROPS,
        "slow consumers dropped",
    ),
)
