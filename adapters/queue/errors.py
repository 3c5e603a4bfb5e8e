"""What can be wrong with a queue message (a queue that refuses jobs raises
``application.background.QueueUnavailable``)."""

from __future__ import annotations

from domain.errors import DomainError


class MalformedJob(DomainError):
    """A queue message is not a sync job."""

    code = "malformed_job"
