"""Where the deployment's one signed-in TradingView token is kept, with its expiry, the
sign-in back-off and the lock that lets one caller sign in while the others wait.

* ``RedisTokenStore``: every function, container and the streamer share it (on AWS, the
  ElastiCache the functions already reach; nothing is written to Secrets Manager).
* ``FileTokenStore``: without Redis, a file of the data dir (mode 0600), locked with
  ``flock``, so the CLI, ``pocketquant run`` and their threads share one token.
* ``MemoryTokenStore``: one process only (an auth built without a store).

A store holds the token of one account (``account_key``). The token is never logged.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import orjson
import redis

from adapters.guardrails.codecs import backoff_of, backoff_record, token_of, token_record
from application.guardrails import GuardStateUnavailable
from domain.signin import SignedInToken, SignInBackoff

KEY_PREFIX = "pq:tradingview"
BACKOFF_KEPT_S = 24 * 3600


def account_key(signin_url: str, username: str) -> str:
    """A short, stable name for an account that does not show the username."""
    return hashlib.sha256(f"{signin_url}\n{username}".encode()).hexdigest()[:16]


class SignInLock(Protocol):
    def release(self) -> None: ...


class TokenStore(Protocol):
    backend: str

    def read(self) -> SignedInToken | None: ...

    def write(self, token: SignedInToken) -> None: ...

    def discard(self, token: str) -> None:
        """Drop the stored token if it is still ``token`` (not one signed in since)."""
        ...

    def backoff(self) -> SignInBackoff | None: ...

    def set_backoff(self, backoff: SignInBackoff | None) -> None: ...

    def try_lock(self, hold_s: float) -> SignInLock | None:
        """The sign-in lock, held at most ``hold_s`` seconds; ``None`` when another has it."""
        ...


class _ThreadLock:
    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock

    def release(self) -> None:
        self._lock.release()


class MemoryTokenStore:
    backend = "in-process"

    def __init__(self) -> None:
        self._token: SignedInToken | None = None
        self._backoff: SignInBackoff | None = None
        self._signin = threading.Lock()

    def clear(self) -> None:
        self._token = None
        self._backoff = None

    def read(self) -> SignedInToken | None:
        return self._token

    def write(self, token: SignedInToken) -> None:
        self._token = token

    def discard(self, token: str) -> None:
        if self._token is not None and self._token.token == token:
            self._token = None

    def backoff(self) -> SignInBackoff | None:
        return self._backoff

    def set_backoff(self, backoff: SignInBackoff | None) -> None:
        self._backoff = backoff

    def try_lock(self, hold_s: float) -> SignInLock | None:
        return _ThreadLock(self._signin) if self._signin.acquire(blocking=False) else None


class _FileLock:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def release(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)


class FileTokenStore:
    """``<data dir>/tradingview-<account>.json``; its ``.lock`` beside it serialises sign-ins
    across processes (``flock`` is per open file, so threads exclude each other too)."""

    backend = "file"

    def __init__(self, directory: Path, account: str) -> None:
        self._path = directory / f"tradingview-{account}.json"
        self._lock_path = directory / f"tradingview-{account}.lock"
        self._write_lock = threading.Lock()

    def _load(self) -> dict[str, Any]:
        try:
            record = orjson.loads(self._path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, orjson.JSONDecodeError) as error:
            raise GuardStateUnavailable(f"cannot read {self._path.name}: {error}") from None
        return record if isinstance(record, dict) else {}

    def _change(self, name: str, value: Any) -> None:
        with self._write_lock:
            record = self._load()
            if value is None:
                record.pop(name, None)
            else:
                record[name] = value
            self._path.parent.mkdir(parents=True, exist_ok=True)
            writer = f"{os.getpid()}.{threading.get_ident()}"
            temporary = self._path.with_name(f"{self._path.name}.{writer}.tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(orjson.dumps(record))
            os.replace(temporary, self._path)

    def read(self) -> SignedInToken | None:
        return token_of(self._load().get("token"))

    def write(self, token: SignedInToken) -> None:
        self._change("token", token_record(token))

    def discard(self, token: str) -> None:
        held = self.read()
        if held is not None and held.token == token:
            self._change("token", None)

    def backoff(self) -> SignInBackoff | None:
        return backoff_of(self._load().get("backoff"))

    def set_backoff(self, backoff: SignInBackoff | None) -> None:
        self._change("backoff", backoff_record(backoff) if backoff is not None else None)

    def try_lock(self, hold_s: float) -> SignInLock | None:
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return _FileLock(fd)


class _RedisLock:
    def __init__(self, lock: Any) -> None:
        self._lock = lock

    def release(self) -> None:
        # Held past its timeout: another caller may have it now, and it is not ours to free.
        with contextlib.suppress(redis.exceptions.LockError, redis.RedisError):
            self._lock.release()


class RedisTokenStore:
    """``pq:tradingview:token:<account>`` (expires with the token), ``…:signin-backoff:…``
    (expires with the back-off) and the lock ``…:signin-lock:…`` (redis-py's ``Lock``)."""

    backend = "redis"

    def __init__(self, client: redis.Redis, account: str) -> None:
        self._client = client
        self._token_key = f"{KEY_PREFIX}:token:{account}"
        self._backoff_key = f"{KEY_PREFIX}:signin-backoff:{account}"
        self._lock_key = f"{KEY_PREFIX}:signin-lock:{account}"

    def _get(self, key: str) -> Any:
        try:
            raw = self._client.get(key)
        except redis.RedisError as error:
            raise GuardStateUnavailable(f"Redis: {type(error).__name__}") from None
        return orjson.loads(raw) if isinstance(raw, bytes) else None

    def _set(self, key: str, value: dict[str, Any], seconds: float) -> None:
        try:
            self._client.set(key, orjson.dumps(value), px=max(1, int(seconds * 1000)))
        except redis.RedisError as error:
            raise GuardStateUnavailable(f"Redis: {type(error).__name__}") from None

    def read(self) -> SignedInToken | None:
        return token_of(self._get(self._token_key))

    def write(self, token: SignedInToken) -> None:
        # Kept for the token's life; whoever reads it checks the expiry itself.
        self._set(self._token_key, token_record(token), token.expires_at - token.issued_at)

    def discard(self, token: str) -> None:
        try:
            with self._client.pipeline(transaction=True) as pipe:
                pipe.watch(self._token_key)  # type: ignore[no-untyped-call]
                held = token_of(_loads(pipe.get(self._token_key)))
                if held is None or held.token != token:
                    return
                pipe.multi()
                pipe.delete(self._token_key)
                pipe.execute()
        except redis.WatchError:
            return  # replaced meanwhile: the new token stays
        except redis.RedisError as error:
            raise GuardStateUnavailable(f"Redis: {type(error).__name__}") from None

    def backoff(self) -> SignInBackoff | None:
        return backoff_of(self._get(self._backoff_key))

    def set_backoff(self, backoff: SignInBackoff | None) -> None:
        if backoff is None:
            try:
                self._client.delete(self._backoff_key)
            except redis.RedisError as error:
                raise GuardStateUnavailable(f"Redis: {type(error).__name__}") from None
            return
        # Kept a day: whoever reads it checks ``until`` itself, so clocks need not agree.
        self._set(self._backoff_key, backoff_record(backoff), BACKOFF_KEPT_S)

    def try_lock(self, hold_s: float) -> SignInLock | None:
        lock = self._client.lock(self._lock_key, timeout=hold_s, blocking=False, thread_local=False)
        try:
            acquired = lock.acquire()
        except redis.RedisError as error:
            raise GuardStateUnavailable(f"Redis: {type(error).__name__}") from None
        return _RedisLock(lock) if acquired else None


def _loads(raw: Any) -> Any:
    return orjson.loads(raw) if isinstance(raw, bytes) else None
