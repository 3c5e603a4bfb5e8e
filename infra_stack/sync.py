"""Background and scheduled syncs.

EventBridge Scheduler (the definitions of ``config/schedules.py``) invokes the
``scheduler`` function, which puts one message per tracked series on the sync queue; the
API's background route puts messages there too. The ``sync-worker`` function consumes the
queue, reporting partial batch failures; a message that fails ``SYNC_MAX_RECEIVES`` times
goes to the dead-letter queue (alarmed in the observability construct).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from aws_cdk import CfnElement, Duration, Stack, TimeZone
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from config import timeouts
from config.schedules import SCHEDULES, ScheduleDefinition
from infra_stack import constants as c
from infra_stack.functions import FunctionFactory, FunctionSpec
from infra_stack.nag import acknowledge
from infra_stack.settings import StackSettings


def _queue(
    scope: Construct,
    construct_id: str,
    name: str,
    *,
    retention_period: Duration | None = None,
    visibility_timeout: Duration | None = None,
    dead_letter_queue: sqs.DeadLetterQueue | None = None,
) -> sqs.Queue:
    return sqs.Queue(
        scope,
        construct_id,
        queue_name=name,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=retention_period,
        visibility_timeout=visibility_timeout,
        dead_letter_queue=dead_letter_queue,
    )


class SyncPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StackSettings,
        functions: FunctionFactory,
        environment: Mapping[str, str],
        schedules: Sequence[ScheduleDefinition] = SCHEDULES,
    ) -> None:
        super().__init__(scope, construct_id)
        stage = settings.stage
        self.dead_letter_queue = _queue(
            self,
            "DeadLetterQueue",
            c.resource_name(stage, "sync-dlq"),
            retention_period=Duration.days(c.DLQ_RETENTION_DAYS),
        )
        self.queue = _queue(
            self,
            "Queue",
            c.resource_name(stage, "sync"),
            visibility_timeout=Duration.seconds(timeouts.SYNC_VISIBILITY_TIMEOUT_S),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=c.SYNC_MAX_RECEIVES
            ),
        )
        env = {**environment, c.ENV_SYNC_QUEUE_URL: self.queue.queue_url}

        concurrency = settings.sync_worker_concurrency
        self.worker = functions.create(
            self,
            "Worker",
            FunctionSpec(
                name="sync-worker",
                description="Runs queued syncs: TradingView history into the bar store",
                timeout_seconds=c.WORKER_TIMEOUT_SECONDS,
                memory_mb=c.WORKER_MEMORY_MB,
                # Caps the load on TradingView and Atlas; the queue absorbs bursts.
                reserved_concurrency=concurrency,
                environment=env,
            ),
        )
        self.worker.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=c.SYNC_BATCH_SIZE,
                max_batching_window=Duration.seconds(5),
                report_batch_item_failures=True,
                # No more pollers than the reserved concurrency: no throttled batches.
                max_concurrency=concurrency,
            )
        )

        self.scheduler = functions.create(
            self,
            "Scheduler",
            FunctionSpec(
                name="scheduler",
                description="Fired by EventBridge Scheduler: one sync message per tracked series",
                timeout_seconds=c.SCHEDULER_TIMEOUT_SECONDS,
                memory_mb=c.SCHEDULER_MEMORY_MB,
                environment=env,
            ),
        )
        self.queue.grant_send_messages(self.scheduler)

        self.schedules_dead_letter_queue = _queue(
            self,
            "SchedulesDeadLetterQueue",
            c.resource_name(stage, "schedules-dlq"),
            retention_period=Duration.days(c.DLQ_RETENTION_DAYS),
        )
        self.schedule_group = scheduler.ScheduleGroup(
            self, "ScheduleGroup", schedule_group_name=c.resource_name(stage, "schedules")
        )
        self.schedules = [
            self._schedule(definition, settings, self.scheduler) for definition in schedules
        ]
        acknowledge(
            self.schedules_dead_letter_queue,
            "AwsSolutions-SQS3",
            "This queue is itself a dead-letter queue: the DeadLetterConfig of the "
            "EventBridge Scheduler targets, which the rule does not recognise.",
        )
        stack = Stack.of(self)
        function_id = stack.get_logical_id(cast(CfnElement, self.scheduler.node.default_child))
        # The role EventBridge Scheduler assumes is made by aws_scheduler_targets at stack
        # scope; its grant covers the function and its versions (``<arn>:*``).
        acknowledge(
            stack,
            f"AwsSolutions-IAM5[Resource::<{function_id}.Arn>:*]",
            "EventBridge Scheduler's role may invoke the scheduler function only (any of its "
            "versions): the standard grantInvoke scope.",
        )

    def _schedule(
        self, definition: ScheduleDefinition, settings: StackSettings, target: lambda_.IFunction
    ) -> scheduler.Schedule:
        return scheduler.Schedule(
            self,
            f"Schedule-{definition.name}",
            schedule_name=definition.name,
            schedule_group=self.schedule_group,
            description=definition.description,
            schedule=scheduler.ScheduleExpression.expression(
                definition.expression, TimeZone.of(definition.timezone)
            ),
            target=targets.LambdaInvoke(
                target,
                input=scheduler.ScheduleTargetInput.from_object(
                    definition.target_input(settings.tracked_symbols, settings.tracked_intervals)
                ),
                dead_letter_queue=self.schedules_dead_letter_queue,
                retry_attempts=3,
                max_event_age=Duration.hours(1),
            ),
        )

    @property
    def functions(self) -> dict[str, lambda_.Function]:
        return {"sync-worker": self.worker, "scheduler": self.scheduler}
