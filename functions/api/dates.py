"""``start_date`` and ``end_date`` of bar queries: ISO 8601, UTC unless an offset is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.errors import InvalidInput

DATE_SCHEMA = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time"},
    ]
}
"""What the OpenAPI document says of the parameters; ``start_epoch``/``end_epoch`` check it."""
DATE_DESCRIPTION = (
    "ISO 8601 date or date-time, UTC unless an offset is given (2024-03-15, 2024-03-15T13:30:00Z)."
)


def _parse(field: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        raise InvalidInput(field, f"{text!r} is not an ISO 8601 date or date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _epoch(moment: datetime) -> int:
    """Seconds since 1970; a moment at the very ends of the calendar clamps to that end."""
    try:
        return int(moment.timestamp())
    except (OverflowError, ValueError):
        edge = datetime.min if moment.year == datetime.min.year else datetime.max
        return int(edge.replace(tzinfo=UTC).timestamp())


def _is_date_only(text: str) -> bool:
    return len(text) == len("2024-03-15")


def start_epoch(text: str | None) -> int | None:
    """The first second the query includes."""
    return None if text is None else _epoch(_parse("start_date", text))


def end_epoch(text: str | None) -> int | None:
    """The last second the query includes; a bare date includes that whole day."""
    if text is None:
        return None
    moment = _parse("end_date", text)
    if _is_date_only(text):
        return _epoch(moment) + int(timedelta(days=1, seconds=-1).total_seconds())
    return _epoch(moment)
