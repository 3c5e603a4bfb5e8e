"""A sync job as a queue message body (JSON), and back."""

from __future__ import annotations

import json
from typing import Any

from adapters.queue.errors import MalformedJob
from application.background import SyncJob
from domain.errors import InvalidInput


def encode_job(job: SyncJob) -> str:
    return json.dumps(job.to_message(), separators=(",", ":"))


def decode_job(body: str) -> SyncJob:
    """The job in ``body``; ``MalformedJob`` says what is wrong with it."""
    try:
        message: Any = json.loads(body)
    except json.JSONDecodeError as error:
        raise MalformedJob(f"the message body is not JSON: {error}") from None
    if not isinstance(message, dict):
        raise MalformedJob("the message body is not a JSON object")
    try:
        return SyncJob.from_message(message)
    except InvalidInput as error:
        raise MalformedJob(error.message) from None
