"""Collection, table and field names shared by the SQLite and MongoDB bar stores."""

from __future__ import annotations

from typing import Final

# Collections (MongoDB) and tables (SQLite).
BARS: Final = "ohlcv"
SYNC_STATUS: Final = "sync_status"
SYMBOLS: Final = "symbols"
SERIES_VERSIONS: Final = "series_versions"
"""One counter per series, raised by every write of its bars (cached queries check it)."""

# What identifies a series. ``symbol`` holds the ticker; the exchange is its own field.
EXCHANGE: Final = "exchange"
SYMBOL: Final = "symbol"
INTERVAL: Final = "interval"

# The series' version counter.
VERSION: Final = "version"

# Bar fields. ``time`` is the bar-open time in UTC epoch seconds (an integer).
TIME: Final = "time"
OPEN: Final = "open"
HIGH: Final = "high"
LOW: Final = "low"
CLOSE: Final = "close"
VOLUME: Final = "volume"
BAR_FIELDS: Final = (TIME, OPEN, HIGH, LOW, CLOSE, VOLUME)

# Sync status fields (besides the series key).
STATUS: Final = "status"
BAR_COUNT: Final = "bar_count"
LAST_SYNC_AT: Final = "last_sync_at"
LAST_BAR_AT: Final = "last_bar_at"
FIRST_BAR_AT: Final = "first_bar_at"
ERROR_CODE: Final = "error_code"
ERROR_MESSAGE: Final = "error_message"
EXTRA: Final = "extra"
STATUS_FIELDS: Final = (
    STATUS,
    BAR_COUNT,
    LAST_SYNC_AT,
    LAST_BAR_AT,
    FIRST_BAR_AT,
    ERROR_CODE,
    ERROR_MESSAGE,
    EXTRA,
)

# Symbol fields (besides exchange and symbol).
NAME: Final = "name"
DESCRIPTION: Final = "description"
TYPE: Final = "type"
CURRENCY: Final = "currency"
TIMEZONE: Final = "timezone"
SESSION: Final = "session"
SESSION_HOLIDAYS: Final = "session_holidays"
PRICESCALE: Final = "pricescale"
HAS_VOLUME: Final = "has_volume"
CORRECTIONS: Final = "corrections"
SUBSESSION_ID: Final = "subsession_id"
SUBSESSIONS: Final = "subsessions"
SYMBOL_FIELDS: Final = (
    NAME,
    DESCRIPTION,
    TYPE,
    CURRENCY,
    TIMEZONE,
    SESSION,
    SESSION_HOLIDAYS,
    PRICESCALE,
    HAS_VOLUME,
    CORRECTIONS,
    SUBSESSION_ID,
    SUBSESSIONS,
)

# Fields of one entry of SUBSESSIONS.
SUBSESSION_FIELDS: Final = ("id", "session", "corrections", "description")
