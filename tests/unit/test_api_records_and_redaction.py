"""The in-process idempotency record client and the masking of secrets."""

from __future__ import annotations

import json

from pydantic import SecretStr

from adapters.idempotency.memory_client import InMemoryRecordClient
from config.redaction import MASK, redact, register_secret, register_url_secret
from tests.fakes import FakeClock


def test_records_behave_like_redis_set_get_delete() -> None:
    clock = FakeClock(100.0)
    client = InMemoryRecordClient(clock)
    assert client.set("k", "first", ex=10, nx=True) is True
    assert client.set("k", "second", ex=10, nx=True) is None  # NX: taken
    assert client.get("k") == "first"
    assert client.set(b"k", "third", ex=10) is True  # no NX: overwritten
    assert client.get("k") == "third"
    assert client.delete("k", "missing") == 1
    assert client.get("k") is None


def test_records_expire() -> None:
    clock = FakeClock(100.0)
    client = InMemoryRecordClient(clock)
    client.set("k", "v", px=1500)
    clock.now += 1.4
    assert client.get("k") == "v"
    clock.now += 0.2
    assert client.get("k") is None
    assert client.set("k", "again", ex=5, nx=True) is True


def test_a_registered_secret_is_masked_in_any_text() -> None:
    register_secret(SecretStr('s3cr3t"value\\x'))
    line = json.dumps({"message": 'token s3cr3t"value\\x used'})
    assert "s3cr3t" not in redact(line)
    assert MASK in redact(line)


def test_a_url_is_masked_whole_and_its_password_alone() -> None:
    register_url_secret("mongodb://user:p%40ssw0rd-42@db.example:27017/pq")
    assert redact("uri mongodb://user:p%40ssw0rd-42@db.example:27017/pq") == f"uri {MASK}"
    assert redact("password p@ssw0rd-42 leaked") == f"password {MASK} leaked"


def test_short_values_are_not_treated_as_secrets() -> None:
    register_secret("abc")
    assert redact("abc") == "abc"
