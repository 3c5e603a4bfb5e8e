"""The names of every query-cache key, in one place.

A series' keys share one Redis Cluster hash tag (``{EXCHANGE:SYMBOL@interval}``), so the
version and the bodies of one series live in one slot and one script can read both.
"""

from __future__ import annotations

from domain.bars import SeriesKey

PREFIX = "pq:bars"


def series_base(key: SeriesKey) -> str:
    return f"{PREFIX}:{{{key}}}"


def version_key(key: SeriesKey) -> str:
    """The series' version counter: INCR on every sync, never expires."""
    return f"{series_base(key)}:v"


def body_prefix(key: SeriesKey) -> str:
    return f"{series_base(key)}:q:"


def body_key(key: SeriesKey, version: str, query: str) -> str:
    """One cached body: a query of one version of the series."""
    return f"{body_prefix(key)}{version}:{query}"
