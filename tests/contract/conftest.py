"""Bar stores for the contract suite: SQLite, mongomock and, with PQ_MONGODB_URI, a real server.

The real-server kind exists only when ``PQ_MONGODB_URI`` is set: without it the parameter
is not generated at all, so no test passes by being skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mongomock
import mongomock.collection
import pytest

from adapters.stores.mongo_store import MongoBarStore, make_mongo_client
from adapters.stores.sqlite_store import SqliteBarStore
from domain.ports import BarStore

# Tests may read this directly: it decides which parameters exist at collection time.
REAL_MONGODB_URI = os.environ.get("PQ_MONGODB_URI")

MONGO_KINDS = ["mongomock", *(["mongodb"] if REAL_MONGODB_URI else [])]
STORE_KINDS = ["sqlite", *MONGO_KINDS]


def allow_pymongo_update_sort(monkeypatch: pytest.MonkeyPatch) -> None:
    """pymongo >= 4.10 passes ``sort=`` to bulk builders; mongomock 4.3 does not accept it.

    A test-only shim: it drops the argument when it is unset and fails loudly otherwise, so
    a store that starts relying on ``sort`` is not silently tested against the wrong thing.
    """
    original: Callable[..., Any] = mongomock.collection.BulkOperationBuilder.add_update

    def add_update(self: Any, *args: Any, sort: Any = None, **kwargs: Any) -> Any:
        if sort is not None:
            raise NotImplementedError("mongomock cannot sort an update; test on a real server")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(mongomock.collection.BulkOperationBuilder, "add_update", add_update)


@pytest.fixture
def mongomock_client(monkeypatch: pytest.MonkeyPatch) -> Any:
    allow_pymongo_update_sort(monkeypatch)
    return mongomock.MongoClient()


@pytest.fixture
def real_mongodb_database() -> Iterator[str]:
    """A database name unique to this test on the real server, dropped afterwards."""
    assert REAL_MONGODB_URI is not None
    name = f"pq_contract_{uuid.uuid4().hex[:16]}"
    yield name
    cleaner = make_mongo_client(REAL_MONGODB_URI)
    try:
        cleaner.drop_database(name)
    finally:
        cleaner.close()


@dataclass(frozen=True)
class MongoUnderTest:
    """A store and a handle on its database, to arrange what the store's API cannot."""

    store: MongoBarStore
    database: Any


def open_mongo(request: pytest.FixtureRequest, kind: str) -> MongoUnderTest:
    if kind == "mongomock":
        client = request.getfixturevalue("mongomock_client")
        name = "pocketquant_test"
    else:
        assert REAL_MONGODB_URI is not None
        client = make_mongo_client(REAL_MONGODB_URI)
        name = request.getfixturevalue("real_mongodb_database")
    return MongoUnderTest(MongoBarStore(client, name), client[name])


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BarStore]:
    """An empty bar store of each kind, closed after the test."""
    opened: BarStore
    if request.param == "sqlite":
        opened = SqliteBarStore(tmp_path / "data" / "bars.sqlite3")
    else:
        opened = open_mongo(request, request.param).store
    yield opened
    opened.close()


@pytest.fixture(params=MONGO_KINDS)
def mongo(request: pytest.FixtureRequest) -> Iterator[MongoUnderTest]:
    """An empty MongoDB bar store on each available MongoDB (mongomock, real server)."""
    opened = open_mongo(request, request.param)
    yield opened
    opened.store.close()
