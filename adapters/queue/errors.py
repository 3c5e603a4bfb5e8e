"""The queue's failures as a domain error a caller can act on."""

from __future__ import annotations

from domain.errors import DomainError


class QueueUnavailable(DomainError):
    """The sync queue could not take the job (SQS unreachable or refusing, worker stopped)."""

    code = "queue_unavailable"


class MalformedJob(DomainError):
    """A queue message is not a sync job; it is left for the dead-letter queue."""

    code = "malformed_job"
