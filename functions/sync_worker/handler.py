"""The sync-worker Lambda: SQS batches of sync jobs, with partial batch failures.

Each record is one ``SyncJob``. Records whose sync must be retried are reported in
``batchItemFailures``, so SQS redelivers only those (and dead-letters them after the
queue's receive limit); the others are deleted. Locally the in-process queue calls this
same handler with one-record events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from application.background import DeferringSyncQueue, QueueUnavailable, SyncJob
from config.metric_names import BARS_SYNCED, SYNC_FAILURES
from functions.common.observability import (
    begin_request,
    count,
    count_breaker_openings,
    count_cache_errors,
    end_request,
    instrument,
)
from functions.sync_worker.worker import JobOutcome, SyncWorker
from wiring.services import Services, get_services

count_cache_errors()
count_breaker_openings()


def _record_handler(record: SQSRecord) -> None:
    services = get_services()
    # The services' publisher keeps the query cache in step with the synced bars; the queued
    # feed waits a while for the TradingView request budget before the job is put back.
    worker = SyncWorker(
        store=services.store,
        feed=services.queued_feed,
        events=services.events,
        defer=_deferrer(services),
    )
    token = begin_request(record.message_id)
    try:
        report = worker.run(record.body, int(record.attributes.approximate_receive_count))
    except Exception:
        count(SYNC_FAILURES)
        raise
    finally:
        end_request(token)
    if report.outcome is JobOutcome.SYNCED:
        count(BARS_SYNCED, report.bars_synced)
    elif report.outcome is JobOutcome.REJECTED:
        count(SYNC_FAILURES)


def _deferrer(services: Services) -> Callable[[SyncJob, float], None] | None:
    """How this container puts a held-back job back: its queue's ``defer``, if it has one."""
    try:
        queue = services.sync_queue
    except QueueUnavailable:
        return None
    return queue.defer if isinstance(queue, DeferringSyncQueue) else None


@instrument
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # One processor per invocation: it keeps the batch's state, and invocations may overlap
    # when the local queue and a test share this module.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=_record_handler, processor=processor, context=context
    )
    return dict(response)
