"""The MongoDB bar store (MongoDB Atlas on AWS) and a client configured for Lambda.

What a failed ``upsert_bars`` leaves: the bars go in one *unordered* bulk write, so a
failure part-way (a lost connection, a server error) can leave some bars of the batch
written and others not. Each bar is one document updated with a single ``$set``, which
MongoDB applies atomically, so every bar is either fully old or fully new, never half
written; running the same upsert again completes it. A batch holding a bar that is not
numbers fails before anything is sent, leaving the store unchanged.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pymongo import ASCENDING, DESCENDING, MongoClient, UpdateOne
from pymongo.errors import BulkWriteError, PyMongoError

from adapters.stores import names, records
from domain.bars import Bar, SeriesKey
from domain.errors import StoreUnavailable
from domain.series import SymbolInfo, SyncStatus
from domain.symbols import Symbol, normalize_name

Document = dict[str, Any]

# Why these: a Lambda container serves one request at a time, so a tiny pool is enough and
# keeps the Atlas connection count low when many containers run. Timeouts stay well under
# API Gateway's 29 s so a client gets our 503 with a reason, not the gateway's bare 504.
# An option present in the connection string wins over these.
CLIENT_DEFAULTS: dict[str, Any] = {
    "maxPoolSize": 4,
    "minPoolSize": 0,
    "serverSelectionTimeoutMS": 5_000,
    "connectTimeoutMS": 5_000,
    "socketTimeoutMS": 20_000,
    "retryWrites": True,
    "retryReads": True,
    "appname": "pocketquant",
}

_BAR_PROJECTION = {"_id": 0, **dict.fromkeys(names.BAR_FIELDS, 1)}
_SERIES_INDEX = [
    (names.EXCHANGE, ASCENDING),
    (names.SYMBOL, ASCENDING),
    (names.INTERVAL, ASCENDING),
]
_SYMBOL_INDEX = [(names.EXCHANGE, ASCENDING), (names.SYMBOL, ASCENDING)]
_CREDENTIALS = re.compile(r"://[^/@\s]*@")
_MAX_MESSAGE = 400


def make_mongo_client(uri: str) -> MongoClient[Document]:
    """A client for ``uri`` with ``CLIENT_DEFAULTS``; ``StoreUnavailable`` if ``uri`` is unusable.

    Constructing it does not wait for the server (except the DNS lookup of ``mongodb+srv``).
    """
    given = {name.lower() for name, _ in parse_qsl(urlsplit(uri).query)}
    options = {name: value for name, value in CLIENT_DEFAULTS.items() if name.lower() not in given}
    try:
        return MongoClient(uri, tz_aware=True, **options)
    except (PyMongoError, ValueError, TypeError) as exc:
        reason = _without_credentials(describe(exc), uri)
        # ``from None`` keeps the driver's own message, which may quote the URI, out of logs.
        raise StoreUnavailable(
            f"the MongoDB connection string is not usable ({reason}); "
            "check PQ_MONGODB_URI or the secret holding it"
        ) from None


def _without_credentials(text: str, uri: str) -> str:
    userinfo = uri.partition("://")[2].partition("/")[0].rpartition("@")[0]
    for secret in (userinfo, *userinfo.split(":")):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def describe(exc: BaseException) -> str:
    """A short description of a driver error with any ``user:password@`` removed."""
    text = _CREDENTIALS.sub("://***@", f"{type(exc).__name__}: {exc}")
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _bulk_failure(exc: BulkWriteError) -> str:
    failed = exc.details.get("writeErrors") or exc.details.get("writeConcernErrors") or []
    first = failed[0].get("errmsg", "no reason given") if failed else describe(exc)
    return (
        f"{len(failed)} write(s) failed, first: {first}; the other bars of the batch were "
        "written whole, so running the same upsert again completes it"
    )


class _IndexRegistry:
    """Which (client, database) pairs already have their indexes in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[tuple[int, str], weakref.ref[Any]] = {}

    def ensure(self, client: object, db_name: str, create: Callable[[], None]) -> None:
        marker = (id(client), db_name)
        with self._lock:
            known = self._done.get(marker)
            if known is not None and known() is client:
                return
            create()
            self._done[marker] = weakref.ref(client)


_INDEXES = _IndexRegistry()


class MongoBarStore:
    """``BarStore`` on MongoDB. Takes ownership of ``client``: ``close()`` closes it.

    Indexes are created (idempotently) before the first write of each process.
    """

    backend = "mongodb"

    def __init__(self, client: MongoClient[Document], db_name: str) -> None:
        self._client = client
        self._db_name = db_name
        db = client[db_name]
        self._bars = db[names.BARS]
        self._statuses = db[names.SYNC_STATUS]
        self._symbols = db[names.SYMBOLS]
        self._versions = db[names.SERIES_VERSIONS]
        self._indexed = False
        self._closed = False

    @property
    def location(self) -> str:
        return f"database {self._db_name}"

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        if self._closed:
            raise StoreUnavailable("the MongoDB bar store is closed")
        try:
            yield
        except BulkWriteError as exc:
            raise StoreUnavailable(f"MongoDB could not {action}: {_bulk_failure(exc)}") from exc
        except PyMongoError as exc:
            raise StoreUnavailable(f"MongoDB could not {action}: {describe(exc)}") from exc

    def _ensure_indexes(self) -> None:
        if not self._indexed:
            _INDEXES.ensure(self._client, self._db_name, self._create_indexes)
            self._indexed = True

    def _create_indexes(self) -> None:
        self._bars.create_index(
            [*_SERIES_INDEX, (names.TIME, ASCENDING)], unique=True, name="series_time"
        )
        self._statuses.create_index(_SERIES_INDEX, unique=True, name="series")
        self._symbols.create_index(_SYMBOL_INDEX, unique=True, name="exchange_symbol")
        self._versions.create_index(_SERIES_INDEX, unique=True, name="series")

    def upsert_bars(self, key: SeriesKey, bars: Sequence[Bar]) -> int:
        # Keyed by time so a repeated time in one batch resolves to its last bar, as SQLite does.
        latest = {values[0]: values for values in map(records.bar_values, bars)}
        if not latest:
            return 0
        series = records.series_record(key)
        operations = [
            UpdateOne(
                {**series, names.TIME: time},
                {
                    "$set": {
                        names.OPEN: open_,
                        names.HIGH: high,
                        names.LOW: low,
                        names.CLOSE: close,
                        names.VOLUME: volume,
                    }
                },
                upsert=True,
            )
            for time, open_, high, low, close, volume in latest.values()
        ]
        with self._errors("store bars"):
            self._ensure_indexes()
            try:
                result = self._bars.bulk_write(operations, ordered=False)
            finally:
                # Raised after the write, even one that failed part-way: a query cached
                # under the old version from bars read mid-write is never served again.
                self._versions.update_one(series, {"$inc": {names.VERSION: 1}}, upsert=True)
        return result.upserted_count

    def series_version(self, key: SeriesKey) -> int:
        with self._errors("read the series version"):
            found = self._versions.find_one(
                records.series_record(key), {"_id": 0, names.VERSION: 1}
            )
        return 0 if found is None else int(found[names.VERSION])

    def get_bars(
        self,
        key: SeriesKey,
        start: int | None = None,
        end: int | None = None,
        limit: int | None = None,
    ) -> list[Bar]:
        if limit is not None and limit <= 0:
            return []  # MongoDB reads limit 0 as "no limit"
        query = records.series_record(key)
        time_range: Document = {}
        if start is not None:
            time_range["$gte"] = start
        if end is not None:
            time_range["$lte"] = end
        if time_range:
            query[names.TIME] = time_range
        newest_first = limit is not None and start is None
        with self._errors("read bars"):
            cursor = self._bars.find(query, _BAR_PROJECTION).sort(
                names.TIME, DESCENDING if newest_first else ASCENDING
            )
            if limit is not None:
                cursor = cursor.limit(limit).batch_size(limit)
            documents = list(cursor)
        if newest_first:
            documents.reverse()
        return [_bar_from_document(document) for document in documents]

    def count_bars(self, key: SeriesKey) -> int:
        with self._errors("count bars"):
            return self._bars.count_documents(records.series_record(key))

    def bar_time_range(self, key: SeriesKey) -> tuple[int, int] | None:
        query = records.series_record(key)
        projection = {"_id": 0, names.TIME: 1}
        with self._errors("read the bar time range"):
            first = self._bars.find_one(query, projection, sort=[(names.TIME, ASCENDING)])
            last = self._bars.find_one(query, projection, sort=[(names.TIME, DESCENDING)])
        if first is None or last is None:
            return None
        return (first[names.TIME], last[names.TIME])

    def put_status(self, status: SyncStatus) -> None:
        record = records.status_record(status)
        with self._errors("store the sync status"):
            self._ensure_indexes()
            self._statuses.replace_one(records.series_record(status.key), record, upsert=True)

    def get_status(self, key: SeriesKey) -> SyncStatus | None:
        with self._errors("read the sync status"):
            found = self._statuses.find_one(records.series_record(key), {"_id": 0})
        return None if found is None else records.status_from_record(found)

    def list_statuses(self) -> list[SyncStatus]:
        with self._errors("list sync statuses"):
            found = list(self._statuses.find({}, {"_id": 0}).sort(_SERIES_INDEX))
        return [records.status_from_record(record) for record in found]

    def put_symbol(self, info: SymbolInfo) -> None:
        record = records.symbol_record(info)
        query = {names.EXCHANGE: info.symbol.exchange, names.SYMBOL: info.symbol.ticker}
        with self._errors("store the symbol"):
            self._ensure_indexes()
            self._symbols.replace_one(query, record, upsert=True)

    def get_symbol(self, symbol: Symbol) -> SymbolInfo | None:
        query = {names.EXCHANGE: symbol.exchange, names.SYMBOL: symbol.ticker}
        with self._errors("read the symbol"):
            found = self._symbols.find_one(query, {"_id": 0})
        return None if found is None else records.symbol_from_record(found)

    def list_symbols(self, exchange: str | None = None) -> list[SymbolInfo]:
        query: Document = {}
        if exchange is not None:
            query[names.EXCHANGE] = normalize_name("exchange", exchange)
        with self._errors("list symbols"):
            found = list(self._symbols.find(query, {"_id": 0}).sort(_SYMBOL_INDEX))
        return [records.symbol_from_record(record) for record in found]

    def ping(self) -> None:
        with self._errors("answer a ping"):
            self._client.admin.command("ping")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._client.close()


def _bar_from_document(document: Document) -> Bar:
    return Bar(
        document[names.TIME],
        document[names.OPEN],
        document[names.HIGH],
        document[names.LOW],
        document[names.CLOSE],
        document.get(names.VOLUME),
    )
