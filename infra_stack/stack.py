"""The PocketQuant stack: composes one construct per capability, wires their access."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_logs as logs
from constructs import Construct

from config import metric_names
from infra_stack import constants as c
from infra_stack.api import Api
from infra_stack.data import DataStores
from infra_stack.events import DomainEvents
from infra_stack.functions import FunctionFactory, LambdaPackaging
from infra_stack.network import Network
from infra_stack.observability import Observability, Watched
from infra_stack.settings import StackSettings
from infra_stack.stream import StreamApi
from infra_stack.streamer import StreamerService
from infra_stack.sync import SyncPipeline

LOG_RETENTION = logs.RetentionDays.ONE_MONTH


class PocketQuantStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StackSettings,
        streamer_build_context: Path = c.REPO_ROOT,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        stage = settings.stage
        network = Network(self, "Network", settings=settings, retention=LOG_RETENTION)
        data = DataStores(
            self,
            "Data",
            settings=settings,
            vpc=network.vpc,
            subnets=network.private_subnets,
            clients=[network.functions_security_group, network.streamer_security_group],
        )
        domain_events = DomainEvents(self, "Events", settings=settings)

        functions = FunctionFactory(
            stage=stage,
            packaging=LambdaPackaging(self, "Lambda", stage=stage),
            vpc=network.vpc,
            subnets=network.private_subnets,
            security_group=network.functions_security_group,
            retention=LOG_RETENTION,
        )
        common = {
            c.ENV_MONGODB_DB: settings.mongodb_database,
            c.ENV_REDIS_URL: data.redis_url,
            c.ENV_EVENT_BUS_NAME: domain_events.bus.event_bus_name,
            c.ENV_LOG_LEVEL: settings.log_level,
            c.ENV_POWERTOOLS_LOG_LEVEL: settings.log_level,
            c.ENV_POWERTOOLS_NAMESPACE: metric_names.NAMESPACE,
            c.ENV_POWERTOOLS_SERVICE: metric_names.SERVICE,
            **settings.guardrails,
        }
        function_env = {**common, c.ENV_MONGODB_SECRET_ARN: data.mongodb_secret.secret_arn}
        if data.tradingview_secret is not None:
            function_env[c.ENV_TRADINGVIEW_SECRET_ARN] = data.tradingview_secret.secret_arn

        sync = SyncPipeline(
            self, "Sync", settings=settings, functions=functions, environment=function_env
        )
        api = Api(
            self,
            "Api",
            settings=settings,
            functions=functions,
            environment={**function_env, c.ENV_SYNC_QUEUE_URL: sync.queue.queue_url},
            retention=LOG_RETENTION,
        )
        stream = StreamApi(
            self,
            "Stream",
            settings=settings,
            functions=functions,
            # No event bus and no TradingView: the stream only reads and writes state.
            environment={
                name: value
                for name, value in function_env.items()
                if name not in (c.ENV_EVENT_BUS_NAME, c.ENV_TRADINGVIEW_SECRET_ARN)
            },
            usage_plan=api.usage_plan,
            account_logging=api.rest_api.node.find_child("Account"),
            retention=LOG_RETENTION,
        )
        # The chart page, served by the api, connects its browser to the stream's own URL.
        api.function.add_environment(c.ENV_STREAM_URL, stream.url)
        streamer = StreamerService(
            self,
            "Streamer",
            settings=settings,
            vpc=network.vpc,
            subnets=network.private_subnets,
            security_group=network.streamer_security_group,
            environment={**common, c.ENV_STREAM_MANAGEMENT_URL: stream.management_url},
            mongodb_secret=data.mongodb_secret,
            tradingview_secret=data.tradingview_secret,
            retention=LOG_RETENTION,
            build_context=streamer_build_context,
        )

        # Who may use what, beyond what each construct grants itself.
        for function in (api.function, sync.worker, sync.scheduler, stream.function):
            data.mongodb_secret.grant_read(function)
        for function in (api.function, sync.worker):
            domain_events.bus.grant_put_events_to(function)
            if data.tradingview_secret is not None:
                data.tradingview_secret.grant_read(function)
        sync.queue.grant_send_messages(api.function)
        domain_events.bus.grant_put_events_to(streamer.task_definition.task_role)
        stream.grant_post(streamer.task_definition.task_role)  # the fan-out

        dead_letter_queues = [sync.dead_letter_queue, sync.schedules_dead_letter_queue]
        if domain_events.webhook_dead_letter_queue is not None:
            dead_letter_queues.append(domain_events.webhook_dead_letter_queue)
        observability = Observability(
            self,
            "Observability",
            settings=settings,
            watched=Watched(
                api=api.rest_api,
                functions={"api": api.function, **sync.functions, "stream": stream.function},
                queue=sync.queue,
                dead_letter_queues=dead_letter_queues,
                streamer=streamer.service,
                cluster=streamer.cluster,
                stream=stream.stage,
            ),
        )

        CfnOutput(self, "ApiUrl", value=api.rest_api.url, description="The API's stage URL")
        CfnOutput(
            self,
            "ApiKeyId",
            value=api.api_key.key_id,
            description="aws apigateway get-api-key --include-value --api-key <this>",
        )
        CfnOutput(
            self,
            "DashboardUrl",
            value=(
                f"https://{self.region}.console.aws.amazon.com/cloudwatch/home?region="
                f"{self.region}#dashboards:name={observability.dashboard.dashboard_name}"
            ),
        )
        CfnOutput(
            self,
            "StreamUrl",
            value=stream.url,
            description="The live stream: connect with x-api-key (or ?key=) and subscribe",
        )
        CfnOutput(self, "AlarmTopicArn", value=observability.topic.topic_arn)
        CfnOutput(self, "SyncQueueUrl", value=sync.queue.queue_url)
        CfnOutput(self, "SyncDeadLetterQueueUrl", value=sync.dead_letter_queue.queue_url)
        CfnOutput(self, "EventBusName", value=domain_events.bus.event_bus_name)
        CfnOutput(self, "MongoDbSecretArn", value=data.mongodb_secret.secret_arn)
