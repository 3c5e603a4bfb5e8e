"""The hot quote state in Redis (ElastiCache on AWS).

``RedisQuoteReader`` serves the API (synchronous redis-py: the container's one client,
``adapters.cache.redis_client``); ``RedisQuoteWriter`` serves the streamer
(``redis.asyncio``): each flush is one pipeline without MULTI, holding one ``HSET`` of the
changed quotes, one of the changed bars, the deletions and the status. The streamer's
clients fail fast (short timeouts, two retries) so a Redis outage surfaces as
``QuoteStateUnavailable`` within seconds instead of stalling its flush loop; it keeps what
it could not write and tries again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import redis
import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from adapters.quote_state import names, records
from application.quote_ports import (
    QuoteStateUnavailable,
    StateBatch,
    StreamerStatus,
)
from domain.bars import Bar
from domain.intervals import ALL_INTERVALS, Interval
from domain.quotes import LatestQuote
from domain.symbols import Symbol

SOCKET_TIMEOUT_SECONDS = 2.0
_RETRIES = 2


def async_client(url: str) -> aioredis.Redis:
    """The streamer's client for ``url``; it connects on first use."""
    from redis.asyncio.retry import Retry as AsyncRetry

    return aioredis.Redis.from_url(
        url,
        retry=AsyncRetry(ExponentialBackoff(cap=0.5, base=0.05), _RETRIES),
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


def unavailable(action: str, exc: BaseException) -> QuoteStateUnavailable:
    # Redis errors name host and port, never the password of the URL.
    return QuoteStateUnavailable(f"Redis could not {action}: {type(exc).__name__}: {exc}")


@contextmanager
def _errors(action: str) -> Iterator[None]:
    try:
        yield
    except RedisError as exc:
        raise unavailable(action, exc) from exc


class RedisQuoteReader:
    """``QuoteStateReader`` on Redis; ``close()`` closes ``client`` (the composition root
    shares its one client instead, and closes it itself)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def latest(self, symbol: Symbol) -> LatestQuote | None:
        with _errors("read the latest quote"):
            raw = self._client.hget(names.LATEST_QUOTES, symbol.key)
        return None if raw is None else records.decode_quote(raw)

    def latest_many(self, symbols: Sequence[Symbol]) -> list[LatestQuote]:
        if not symbols:
            return []
        with _errors("read the latest quotes"):
            found = self._client.hmget(names.LATEST_QUOTES, [s.key for s in symbols])
        return [records.decode_quote(raw) for raw in found if raw is not None]

    def current_bar(self, symbol: Symbol, interval: Interval) -> Bar | None:
        with _errors("read the bar in progress"):
            raw = self._client.hget(names.CURRENT_BARS, names.bar_field(symbol.key, interval.value))
        return None if raw is None else records.decode_bar(raw)

    def streamer_status(self) -> StreamerStatus | None:
        with _errors("read the streamer status"):
            raw = self._client.get(names.STREAMER_STATUS)
        return None if raw is None else records.decode_status(raw)

    def close(self) -> None:
        self._client.close()


class RedisQuoteWriter:
    """``QuoteStateWriter`` on Redis. Takes ownership of ``client``."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client

    async def write(self, batch: StateBatch) -> None:
        if not batch:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            self._queue(pipe, batch)
            try:
                await pipe.execute()
            except RedisError as exc:
                raise unavailable("write the quote state", exc) from exc

    @staticmethod
    def _queue(pipe: Pipeline, batch: StateBatch) -> None:
        if batch.quotes:
            pipe.hset(
                names.LATEST_QUOTES,
                mapping={q.symbol.key: records.encode_quote(q) for q in batch.quotes},
            )
        if batch.bars:
            pipe.hset(
                names.CURRENT_BARS,
                mapping={
                    names.bar_field(symbol, interval.value): records.encode_bar(bar)
                    for (symbol, interval), bar in batch.bars.items()
                },
            )
        if batch.cleared_bars:
            pipe.hdel(
                names.CURRENT_BARS,
                *(
                    names.bar_field(symbol, interval.value)
                    for symbol, interval in batch.cleared_bars
                ),
            )
        if batch.removed_symbols:
            pipe.hdel(names.LATEST_QUOTES, *batch.removed_symbols)
            pipe.hdel(
                names.CURRENT_BARS,
                *(
                    names.bar_field(symbol, interval.value)
                    for symbol in batch.removed_symbols
                    for interval in ALL_INTERVALS
                ),
            )
        if batch.status is not None:
            pipe.set(names.STREAMER_STATUS, records.encode_status(batch.status))

    async def save_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        try:
            await self._client.set(names.STREAMER_SNAPSHOT, records.encode_snapshot(snapshot))
        except RedisError as exc:
            raise unavailable("save the streamer snapshot", exc) from exc

    async def load_snapshot(self) -> dict[str, Any] | None:
        try:
            raw = await self._client.get(names.STREAMER_SNAPSHOT)
        except RedisError as exc:
            raise unavailable("load the streamer snapshot", exc) from exc
        return None if raw is None else records.decode_snapshot(raw)

    async def aclose(self) -> None:
        await self._client.aclose()
