"""The bounds of bar queries as the API (``start_date``, ``end_date``) and the CLI
(``--start``, ``--end``) take them: ISO 8601, UTC unless an offset is given; a date alone
as an end includes that whole day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.errors import InvalidInput


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


def start_epoch(text: str | None, field: str = "start_date") -> int | None:
    """The first second the query includes; ``field`` names the input in an error."""
    return None if text is None else _epoch(_parse(field, text))


def end_epoch(text: str | None, field: str = "end_date") -> int | None:
    """The last second the query includes; a bare date includes that whole day."""
    if text is None:
        return None
    moment = _parse(field, text)
    if _is_date_only(text):
        return _epoch(moment) + int(timedelta(days=1, seconds=-1).total_seconds())
    return _epoch(moment)
