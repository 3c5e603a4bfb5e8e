"""SQS event records as Lambda's event source mapping delivers them to a function."""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

LOCAL_QUEUE_ARN = "arn:aws:sqs:local:000000000000:pocketquant-sync"


def sqs_record(
    body: str,
    *,
    message_id: str | None = None,
    receive_count: int = 1,
    sent_at: float | None = None,
    source_arn: str = LOCAL_QUEUE_ARN,
) -> dict[str, Any]:
    sent_ms = str(int((time.time() if sent_at is None else sent_at) * 1000))
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": str(uuid.uuid4()),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": sent_ms,
            "SenderId": "local",
            "ApproximateFirstReceiveTimestamp": sent_ms,
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": source_arn,
        "awsRegion": source_arn.split(":")[3],
    }


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def failed_message_ids(response: Any) -> set[str]:
    """The ids a handler reported in ``batchItemFailures`` (partial batch response)."""
    failures = (response or {}).get("batchItemFailures") or []
    return {str(failure["itemIdentifier"]) for failure in failures}
