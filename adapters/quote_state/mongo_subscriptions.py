"""The desired quote state in MongoDB (on AWS): collections ``subscriptions`` and
``quote_control``, in the bar store's database.

A subscription is one document keyed by ``EXCHANGE:TICKER``, so subscribing twice is one
document and two API calls racing cannot duplicate it; the running flag is one document.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from adapters.quote_state import names
from adapters.stores.mongo_store import describe
from application.quote_ports import DesiredQuotes
from domain.errors import StoreUnavailable
from domain.symbols import Symbol

Document = dict[str, Any]


class MongoSubscriptionStore:
    """``SubscriptionStore`` on MongoDB. Takes ownership of ``client``: ``close()`` closes it."""

    def __init__(self, client: MongoClient[Document], db_name: str) -> None:
        self._client = client
        db = client[db_name]
        self._subscriptions = db[names.SUBSCRIPTIONS]
        self._control = db[names.FEED_CONTROL]

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except PyMongoError as exc:
            raise StoreUnavailable(f"MongoDB could not {action}: {describe(exc)}") from exc

    def desired(self) -> DesiredQuotes:
        with self._errors("read the quote subscriptions"):
            control = self._control.find_one({"_id": names.FEED_CONTROL_ID})
            found = list(self._subscriptions.find({}, {"_id": 0, "exchange": 1, "symbol": 1}))
        running = bool(control and control.get("running"))
        return DesiredQuotes(running, tuple(Symbol(d["exchange"], d["symbol"]) for d in found))

    def set_running(self, running: bool) -> None:
        with self._errors("store the running flag"):
            self._control.update_one(
                {"_id": names.FEED_CONTROL_ID},
                {"$set": {"running": running, "updated_at": time.time()}},
                upsert=True,
            )

    def add_symbol(self, symbol: Symbol) -> bool:
        with self._errors("store a subscription"):
            result = self._subscriptions.update_one(
                {"_id": symbol.key},
                {
                    "$setOnInsert": {
                        "exchange": symbol.exchange,
                        "symbol": symbol.ticker,
                        "added_at": time.time(),
                    }
                },
                upsert=True,
            )
        return result.upserted_id is not None

    def remove_symbol(self, symbol: Symbol) -> bool:
        with self._errors("remove a subscription"):
            result = self._subscriptions.delete_one({"_id": symbol.key})
        return result.deleted_count > 0

    def close(self) -> None:
        self._client.close()
