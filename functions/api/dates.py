"""What the OpenAPI document says of ``start_date`` and ``end_date``; the parsing is the
one the CLI shares (``application.query_dates``)."""

from __future__ import annotations

DATE_SCHEMA = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time"},
    ]
}
"""The accepted forms; ``start_epoch``/``end_epoch`` check them."""
DATE_DESCRIPTION = (
    "ISO 8601 date or date-time, UTC unless an offset is given (2024-03-15, 2024-03-15T13:30:00Z)."
)
