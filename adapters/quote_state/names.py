"""Every table, collection, key and channel name of the live-quote state, in one place."""

from __future__ import annotations

from typing import Final

# Durable desired state: SQLite file and tables, MongoDB collections.
SQLITE_FILE: Final = "quote_control.sqlite3"
SUBSCRIPTIONS: Final = "subscriptions"
FEED_CONTROL: Final = "quote_control"
FEED_CONTROL_ID: Final = "feed"

# Hot state in Redis. The ``{pq}`` hash tag keeps every key in one slot, so one pipeline
# (and the snapshot's atomic write) also works on a clustered Redis.
LATEST_QUOTES: Final = "pq:{pq}:quotes:latest"
"""Hash: ``EXCHANGE:TICKER`` → the latest quote as JSON."""
CURRENT_BARS: Final = "pq:{pq}:quotes:bars"
"""Hash: ``EXCHANGE:TICKER|interval`` → the bar in progress as JSON."""
STREAMER_STATUS: Final = "pq:{pq}:streamer:status"
STREAMER_SNAPSHOT: Final = "pq:{pq}:streamer:snapshot"
CONTROL_CHANNEL: Final = "pq:{pq}:quotes:control"

# Embedded default of the snapshot (no Redis): a JSON file in the data directory.
SNAPSHOT_FILE: Final = "streamer-snapshot.json"


def bar_field(symbol_key: str, interval_value: str) -> str:
    return f"{symbol_key}|{interval_value}"
