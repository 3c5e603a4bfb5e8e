"""Reading bars back, with the limits the API and CLI share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.bars import Bar, SeriesKey
from domain.errors import InvalidInput
from domain.ports import BarStore

MAX_QUERY_LIMIT = 5000
DEFAULT_QUERY_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class QueryFields:
    """What a caller calls the bounds of a query, so an error names what it was given."""

    start: str
    end: str
    limit: str


API_FIELDS = QueryFields(start="start_date", end="end_date", limit="limit")
CLI_FIELDS = QueryFields(start="--start", end="--end", limit="--limit")


def read_bars(
    store: BarStore,
    key: SeriesKey,
    *,
    start: int | None = None,
    end: int | None = None,
    limit: int = DEFAULT_QUERY_LIMIT,
    fields: QueryFields = API_FIELDS,
) -> list[Bar]:
    """Bars of ``key`` oldest first; the newest ``limit`` unless ``start`` is given."""
    if not 1 <= limit <= MAX_QUERY_LIMIT:
        raise InvalidInput(fields.limit, f"must be between 1 and {MAX_QUERY_LIMIT}")
    if start is not None and end is not None and start > end:
        raise InvalidInput(fields.start, f"must not be after {fields.end}")
    return store.get_bars(key, start=start, end=end, limit=limit)


def iso_utc(epoch: int | float) -> str:
    """``2024-03-15T13:30:00Z``: the one time format of the API and CLI."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
