"""The ``SyncQueue`` on AWS: one SQS message per job, consumed by the sync-worker function."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from application.background import QueueUnavailable, SyncJob
from config.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

SQS_BATCH_LIMIT = 10
"""Entries per ``SendMessageBatch`` call, SQS's own limit."""


class SqsSyncQueue:
    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        self._queue_url = queue_url
        self._client: SQSClient = client or boto3.client("sqs")

    @classmethod
    def from_settings(cls, settings: Settings) -> SqsSyncQueue:
        if not settings.sync_queue_url:
            raise QueueUnavailable("PQ_SYNC_QUEUE_URL is not set")
        return cls(settings.sync_queue_url)

    def enqueue(self, job: SyncJob) -> None:
        try:
            self._client.send_message(QueueUrl=self._queue_url, MessageBody=job.to_body())
        except (BotoCoreError, ClientError) as error:
            raise QueueUnavailable(f"SQS refused the sync job {job.job_id}: {error}") from None

    def enqueue_many(self, jobs: Sequence[SyncJob]) -> None:
        """Send ``jobs`` ten per call; raises when any of them was not taken."""
        refused: list[str] = []
        for start in range(0, len(jobs), SQS_BATCH_LIMIT):
            chunk = jobs[start : start + SQS_BATCH_LIMIT]
            entries: list[Any] = [
                {"Id": str(index), "MessageBody": job.to_body()} for index, job in enumerate(chunk)
            ]
            try:
                reply = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
            except (BotoCoreError, ClientError) as error:
                raise QueueUnavailable(f"SQS refused a batch of sync jobs: {error}") from None
            refused.extend(
                f"{chunk[int(failed['Id'])].job_id} ({failed.get('Code', '?')})"
                for failed in reply.get("Failed", [])
            )
        if refused:
            raise QueueUnavailable(f"SQS refused {len(refused)} sync jobs: {', '.join(refused)}")
