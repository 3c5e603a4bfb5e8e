"""The domain-event bus and its optional webhook subscribers.

The code puts ``BarsSynced``, ``SyncFailed`` and ``BarCompleted`` (the detail-type) on the
bus. Each webhook of the ``webhooks`` context becomes an EventBridge API destination: a
rule picks its event types and EventBridge POSTs the event JSON with retries and a
dead-letter queue, no hand-written delivery loop. Every delivery carries the header
``X-PocketQuant-Token`` with a generated secret (``pocketquant/<stage>/webhook/<name>``
in Secrets Manager), so subscribers can tell PocketQuant's calls from anyone else's.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra_stack import constants as c
from infra_stack.nag import acknowledge
from infra_stack.settings import StackSettings, Webhook


class DomainEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: StackSettings) -> None:
        super().__init__(scope, construct_id)
        self._stage = settings.stage
        self.bus = events.EventBus(
            self, "Bus", event_bus_name=c.resource_name(settings.stage, "events")
        )
        self.webhook_dead_letter_queue: sqs.Queue | None = None
        self.webhook_token_secrets: list[secretsmanager.Secret] = []
        if settings.webhooks:
            self.webhook_dead_letter_queue = sqs.Queue(
                self,
                "WebhookDeadLetterQueue",
                queue_name=c.resource_name(settings.stage, "webhooks-dlq"),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=Duration.days(c.DLQ_RETENTION_DAYS),
            )
            acknowledge(
                self.webhook_dead_letter_queue,
                "AwsSolutions-SQS3",
                "This queue is itself a dead-letter queue: the DeadLetterConfig of the "
                "webhook rule targets, which the rule does not recognise.",
            )
        for webhook in settings.webhooks:
            self._add_webhook(webhook)

    def _add_webhook(self, webhook: Webhook) -> None:
        scope = Construct(self, f"Webhook-{webhook.name}")
        token = secretsmanager.Secret(
            scope,
            "Token",
            secret_name=f"{c.SERVICE}/{self._stage}/webhook/{webhook.name}",
            description=f"Sent as {c.WEBHOOK_TOKEN_HEADER} to the {webhook.name} webhook",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=40
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.webhook_token_secrets.append(token)
        acknowledge(
            token,
            "AwsSolutions-SMG4",
            "A token shared with the webhook's owner, who must learn each new value; the "
            "connection reads it at deploy time. Rotate by hand: put a new value, tell the "
            "subscriber, redeploy.",
        )
        connection = events.Connection(
            scope,
            "Connection",
            description=f"PocketQuant {self._stage} webhook {webhook.name}",
            authorization=events.Authorization.api_key(c.WEBHOOK_TOKEN_HEADER, token.secret_value),
        )
        destination = events.ApiDestination(
            scope,
            "Destination",
            connection=connection,
            endpoint=webhook.url,
            http_method=events.HttpMethod.POST,
            rate_limit_per_second=c.WEBHOOK_RATE_PER_SECOND,
            description=f"PocketQuant {self._stage} webhook {webhook.name}",
        )
        events.Rule(
            scope,
            "Rule",
            event_bus=self.bus,
            description=f"{', '.join(webhook.event_types)} to the {webhook.name} webhook",
            event_pattern=events.EventPattern(detail_type=list(webhook.event_types)),
            targets=[
                events_targets.ApiDestination(
                    destination,
                    dead_letter_queue=self.webhook_dead_letter_queue,
                    retry_attempts=8,
                    max_event_age=Duration.hours(24),
                )
            ],
        )
