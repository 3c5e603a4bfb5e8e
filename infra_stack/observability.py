"""Dashboard and alarms: what an operator looks at, and what wakes them.

Plain ``aws_cloudwatch`` (no extra construct library). The code's own metrics are
Powertools/EMF metrics in the ``PocketQuant`` namespace, every one listed in
``config/metric_names.py``; their graphs are drawn from that list
(:mod:`infra_stack.metric_widgets`).
Alarms go to one SNS topic, with an e-mail subscription when ``alarmEmail`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from config import stream_names
from config.metric_names import NAMESPACE, Emitter
from infra_stack import constants as c
from infra_stack import metric_widgets, stream_metrics
from infra_stack.settings import StackSettings

FIVE_MINUTES = Duration.minutes(5)
ONE_MINUTE = Duration.minutes(1)
WIDTH = 24  # the dashboard grid


@dataclass(frozen=True, slots=True)
class Watched:
    """Everything the observability construct watches."""

    api: apigw.RestApi
    functions: Mapping[str, lambda_.Function]
    queue: sqs.Queue
    dead_letter_queues: Sequence[sqs.Queue]
    streamer: ecs.FargateService
    cluster: ecs.Cluster
    stream: apigwv2.WebSocketStage


class Observability(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: StackSettings, watched: Watched
    ) -> None:
        super().__init__(scope, construct_id)
        self._stage = settings.stage
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=c.resource_name(settings.stage, "alarms"),
            display_name=f"PocketQuant {settings.stage} alarms",
            enforce_ssl=True,
        )
        if settings.alarm_email is not None:
            self.topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        self._action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cw.Alarm] = []

        self._api_alarms(watched.api)
        for name, function in watched.functions.items():
            self._function_alarms(name, function)
        self._queue_alarms(watched.queue, watched.dead_letter_queues)
        running = self._running_tasks(watched)
        self._alarm(
            "StreamerNotRunning",
            running,
            threshold=1,
            comparison=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            periods=5,
            missing=cw.TreatMissingData.BREACHING,
            description="No streamer task has been running for 5 minutes",
        )
        self._stream_alarms(watched.stream)

        self.dashboard = cw.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{c.STACK_NAME_PREFIX}-{settings.stage}",
            default_interval=Duration.hours(6),
        )
        self.dashboard.add_widgets(
            cw.TextWidget(
                markdown=f"# PocketQuant {settings.stage}\nAPI, functions, sync queue, "
                f"streamer and the code's own metrics (namespace `{NAMESPACE}`).",
                width=WIDTH,
                height=2,
            )
        )
        self._api_widgets(watched.api)
        self._function_widgets(watched.functions)
        self._queue_widgets(watched.queue, watched.dead_letter_queues)
        self._streamer_widgets(watched, running)
        self._code_metric_widgets()
        self._stream_widgets(watched.stream)
        self.dashboard.add_widgets(
            cw.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=WIDTH)
        )

    # ---- alarms

    def _alarm(
        self,
        construct_id: str,
        metric: cw.IMetric,
        *,
        threshold: float,
        description: str,
        periods: int = 1,
        comparison: cw.ComparisonOperator = (
            cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
        missing: cw.TreatMissingData = cw.TreatMissingData.NOT_BREACHING,
    ) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            construct_id,
            alarm_name=f"{c.STACK_NAME_PREFIX}-{self._stage}-{construct_id}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=comparison,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms.append(alarm)
        return alarm

    def _api_alarms(self, api: apigw.RestApi) -> None:
        self._alarm(
            "Api5xx",
            api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
            threshold=5,
            description="The API answered 5 or more 5xx in 5 minutes",
        )
        self._alarm(
            "ApiLatencyP99",
            api.metric_latency(period=FIVE_MINUTES, statistic="p99"),
            threshold=5000,
            periods=3,
            comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description="API p99 latency above 5 s for 15 minutes",
        )

    def _function_alarms(self, name: str, function: lambda_.Function) -> None:
        prefix = "".join(part.title() for part in name.split("-"))
        self._alarm(
            f"{prefix}Errors",
            function.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
            threshold=1,
            description=f"The {name} function failed in the last 5 minutes",
        )
        self._alarm(
            f"{prefix}Throttles",
            function.metric_throttles(period=FIVE_MINUTES, statistic="Sum"),
            threshold=1,
            description=f"The {name} function was throttled in the last 5 minutes",
        )

    def _queue_alarms(self, queue: sqs.Queue, dead_letter_queues: Sequence[sqs.Queue]) -> None:
        self._alarm(
            "SyncQueueAge",
            queue.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES, statistic="Max"),
            threshold=c.QUEUE_AGE_ALARM_SECONDS,
            description="A sync has waited on the queue for more than 30 minutes",
        )
        for index, dlq in enumerate(dead_letter_queues):
            self._alarm(
                f"DeadLetters{index}",
                dlq.metric_approximate_number_of_messages_visible(
                    period=FIVE_MINUTES, statistic="Max"
                ),
                threshold=1,
                description=f"Messages in the dead-letter queue {dlq.node.path}: "
                "inspect them, fix the cause, then redrive",
            )

    def _stream_alarms(self, stage: apigwv2.WebSocketStage) -> None:
        self._alarm(
            "StreamExecutionErrors",
            stream_metrics.gateway(
                stage,
                stream_metrics.EXECUTION_ERROR,
                statistic="Sum",
                period=FIVE_MINUTES,
                label="execution errors",
            ),
            threshold=c.STREAM_EXECUTION_ERRORS_ALARM,
            description=f"The stream's WebSocket API could not call the stream function "
            f"{c.STREAM_EXECUTION_ERRORS_ALARM} or more times in 5 minutes",
        )
        self._alarm(
            "StreamFanoutErrors",
            stream_metrics.streamer(
                stream_names.STREAM_FANOUT_ERRORS,
                statistic="Sum",
                period=FIVE_MINUTES,
                label="fan-out errors",
            ),
            threshold=c.STREAM_FANOUT_ERRORS_ALARM,
            description=f"The streamer failed {c.STREAM_FANOUT_ERRORS_ALARM} or more posts "
            "to stream connections in 5 minutes (gone connections not counted)",
        )
        # Every open connection gets a heartbeat every 30 s: connections with nothing sent
        # means the fan-out is stuck.
        stalled = cw.MathExpression(
            expression="IF(FILL(connections, 0) >= 1 AND FILL(sent, 0) == 0, 1, 0)",
            using_metrics={
                "connections": stream_metrics.streamer(
                    stream_names.STREAM_CONNECTIONS,
                    statistic="Maximum",
                    period=FIVE_MINUTES,
                    label="connections",
                ),
                "sent": stream_metrics.streamer(
                    stream_names.STREAM_MESSAGES_SENT,
                    statistic="Sum",
                    period=FIVE_MINUTES,
                    label="messages sent",
                ),
            },
            period=FIVE_MINUTES,
            label="connections open, nothing sent",
        )
        self._alarm(
            "StreamFanoutStalled",
            stalled,
            threshold=1,
            periods=c.STREAM_STALLED_MINUTES // 5,
            description=f"Stream connections were open for {c.STREAM_STALLED_MINUTES} "
            "minutes and the streamer sent them nothing, not even heartbeats",
        )

    @staticmethod
    def _running_tasks(watched: Watched) -> cw.Metric:
        return cw.Metric(
            namespace="ECS/ContainerInsights",
            metric_name="RunningTaskCount",
            dimensions_map={
                "ClusterName": watched.cluster.cluster_name,
                "ServiceName": watched.streamer.service_name,
            },
            statistic="Minimum",
            period=ONE_MINUTE,
            label="running tasks",
        )

    # ---- dashboard

    def _api_widgets(self, api: apigw.RestApi) -> None:
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="API requests",
                width=6,
                left=[api.metric_count(period=FIVE_MINUTES, statistic="Sum")],
            ),
            cw.GraphWidget(
                title="API latency (ms)",
                width=6,
                left=[
                    api.metric_latency(period=FIVE_MINUTES, statistic="p50", label="p50"),
                    api.metric_latency(period=FIVE_MINUTES, statistic="p99", label="p99"),
                    api.metric_integration_latency(
                        period=FIVE_MINUTES, statistic="p99", label="integration p99"
                    ),
                ],
            ),
            cw.GraphWidget(
                title="API 4xx",
                width=6,
                left=[api.metric_client_error(period=FIVE_MINUTES, statistic="Sum")],
            ),
            cw.GraphWidget(
                title="API 5xx",
                width=6,
                left=[api.metric_server_error(period=FIVE_MINUTES, statistic="Sum")],
            ),
        )

    def _function_widgets(self, functions: Mapping[str, lambda_.Function]) -> None:
        def per_function(title: str, statistic: str, metric: str) -> cw.GraphWidget:
            return cw.GraphWidget(
                title=title,
                width=6,
                left=[
                    fn.metric(metric, period=FIVE_MINUTES, statistic=statistic, label=name)
                    for name, fn in functions.items()
                ],
            )

        self.dashboard.add_widgets(
            per_function("Function invocations", "Sum", "Invocations"),
            per_function("Function errors", "Sum", "Errors"),
            per_function("Function duration p99 (ms)", "p99", "Duration"),
            per_function("Function throttles", "Sum", "Throttles"),
        )

    def _queue_widgets(self, queue: sqs.Queue, dead_letter_queues: Sequence[sqs.Queue]) -> None:
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Sync queue depth",
                width=8,
                left=[
                    queue.metric_approximate_number_of_messages_visible(
                        period=FIVE_MINUTES, statistic="Max", label="waiting"
                    ),
                    queue.metric_approximate_number_of_messages_not_visible(
                        period=FIVE_MINUTES, statistic="Max", label="in flight"
                    ),
                ],
            ),
            cw.GraphWidget(
                title="Oldest sync message (s)",
                width=8,
                left=[
                    queue.metric_approximate_age_of_oldest_message(
                        period=FIVE_MINUTES, statistic="Max"
                    )
                ],
            ),
            cw.GraphWidget(
                title="Dead-letter queues",
                width=8,
                left=[
                    dlq.metric_approximate_number_of_messages_visible(
                        period=FIVE_MINUTES, statistic="Max", label=dlq.node.id
                    )
                    for dlq in dead_letter_queues
                ],
            ),
        )

    def _streamer_widgets(self, watched: Watched, running: cw.Metric) -> None:
        self.dashboard.add_widgets(
            cw.GraphWidget(title="Streamer tasks running", width=8, left=[running]),
            cw.GraphWidget(
                title="Streamer CPU and memory (%)",
                width=8,
                left=[
                    watched.streamer.metric_cpu_utilization(period=FIVE_MINUTES),
                    watched.streamer.metric_memory_utilization(period=FIVE_MINUTES),
                ],
            ),
        )

    def _stream_widgets(self, stage: apigwv2.WebSocketStage) -> None:
        def gateway(name: str, statistic: str, label: str) -> cw.Metric:
            return stream_metrics.gateway(
                stage, name, statistic=statistic, period=FIVE_MINUTES, label=label
            )

        self.dashboard.add_widgets(
            cw.TextWidget(markdown="### Stream (WebSocket API)", width=WIDTH, height=1)
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Stream connects",
                width=6,
                left=[gateway(stream_metrics.CONNECT_COUNT, "Sum", "connects")],
            ),
            cw.GraphWidget(
                title="Stream messages, both ways",
                width=6,
                left=[gateway(stream_metrics.MESSAGE_COUNT, "Sum", "messages")],
            ),
            cw.GraphWidget(
                title="Stream errors",
                width=6,
                left=[
                    gateway(stream_metrics.INTEGRATION_ERROR, "Sum", "function 4xx/5xx"),
                    gateway(stream_metrics.CLIENT_ERROR, "Sum", "refused by API Gateway"),
                    gateway(stream_metrics.EXECUTION_ERROR, "Sum", "function not called"),
                ],
            ),
            cw.GraphWidget(
                title="Stream function latency p99 (ms)",
                width=6,
                left=[gateway(stream_metrics.INTEGRATION_LATENCY, "p99", "p99")],
            ),
        )
        self.dashboard.add_widgets(*metric_widgets.graphs(Emitter.STREAMER, stream_names.METRICS))

    def _code_metric_widgets(self) -> None:
        for emitter, title in (
            (Emitter.FUNCTIONS, "Syncs, query cache and handlers"),
            (Emitter.STREAMER, "Streamer"),
        ):
            self.dashboard.add_widgets(
                cw.TextWidget(markdown=f"### {title}", width=WIDTH, height=1)
            )
            self.dashboard.add_widgets(*metric_widgets.graphs(emitter))
