"""The sync-worker Lambda: SQS batches of sync jobs, with partial batch failures.

Each record is one ``SyncJob``. Records whose sync must be retried are reported in
``batchItemFailures``, so SQS redelivers only those (and dead-letters them after the
queue's receive limit); the others are deleted. Locally the in-process queue calls this
same handler with one-record events.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from config.metric_names import BARS_SYNCED, SYNC_FAILURES
from functions.common.observability import (
    begin_request,
    count,
    count_cache_errors,
    end_request,
    instrument,
)
from functions.sync_worker.worker import JobOutcome, SyncWorker
from wiring.services import get_services

count_cache_errors()


def _record_handler(record: SQSRecord) -> None:
    services = get_services()
    # The services' publisher keeps the query cache in step with the synced bars.
    worker = SyncWorker(store=services.store, feed=services.feed, events=services.events)
    token = begin_request(record.message_id)
    try:
        report = worker.run(record.body)
    except Exception:
        count(SYNC_FAILURES)
        raise
    finally:
        end_request(token)
    if report.outcome is JobOutcome.SYNCED:
        count(BARS_SYNCED, report.bars_synced)
    else:
        count(SYNC_FAILURES)


@instrument
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # One processor per invocation: it keeps the batch's state, and invocations may overlap
    # when the local queue and a test share this module.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=_record_handler, processor=processor, context=context
    )
    return dict(response)
