"""The POST commands: each runs one use case and returns ``{"status_code", "body"}``.

They are idempotent (``functions.api.idempotency``): with an ``Idempotency-Key`` their
result is recorded and replayed. The async syncs run on a fresh event loop per request:
the handler is synchronous, and the local gateway calls it from many threads at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from application.background import SyncJob
from application.bootstrap import get_services
from application.bulk_sync import sync_many, unique_requests
from application.sync import SyncRequest, sync_series
from config.metric_names import BARS_SYNCED, SYNC_FAILURES
from domain.bars import SeriesKey
from domain.errors import DomainError
from domain.intervals import Interval
from domain.symbols import Symbol
from functions.api.idempotency import CommandResult, idempotent
from functions.api.presenters import bulk_item, sync_record
from functions.common.observability import count


def _result(status: int, body: dict[str, Any]) -> CommandResult:
    # The body is kept as text so a replay answers byte for byte what the first request did.
    return {"status_code": status, "body": orjson.dumps(body).decode()}


def _key(symbol: dict[str, Any], interval: str) -> SeriesKey:
    return SeriesKey(
        Symbol(exchange=symbol["exchange"], ticker=symbol["symbol"]), Interval(interval)
    )


@idempotent("sync")
def sync_command(payload: dict[str, Any]) -> CommandResult:
    services = get_services()
    request = SyncRequest(
        key=_key(payload, payload["interval"]), n_bars=payload["n_bars"], full=payload["full"]
    )
    try:
        result = asyncio.run(
            sync_series(request, feed=services.feed, store=services.store, events=services.events)
        )
    except DomainError:
        count(SYNC_FAILURES)
        raise
    count(BARS_SYNCED, result.bars_synced)
    return _result(200, sync_record(result))


@idempotent("sync-bulk")
def bulk_sync_command(payload: dict[str, Any]) -> CommandResult:
    services = get_services()
    requests = unique_requests(
        [
            SyncRequest(
                key=_key(symbol, payload["interval"]),
                n_bars=payload["n_bars"],
                full=payload["full"],
            )
            for symbol in payload["symbols"]
        ]
    )
    outcomes = asyncio.run(
        sync_many(requests, feed=services.feed, store=services.store, events=services.events)
    )
    failed = sum(not outcome.ok for outcome in outcomes)
    count(BARS_SYNCED, sum(o.result.bars_synced for o in outcomes if o.result is not None))
    if failed:
        count(SYNC_FAILURES, failed)
    return _result(
        200,
        {
            "interval": payload["interval"],
            "succeeded": len(outcomes) - failed,
            "failed": failed,
            "results": [bulk_item(outcome) for outcome in outcomes],
        },
    )


@idempotent("sync-background")
def background_sync_command(payload: dict[str, Any]) -> CommandResult:
    job = SyncJob(
        symbol=payload["symbol"],
        exchange=payload["exchange"],
        interval=payload["interval"],
        n_bars=payload["n_bars"],
        full=payload["full"],
    )
    get_services().sync_queue.enqueue(job)
    return _result(
        202,
        {
            "job_id": job.job_id,
            "status": "queued",
            "symbol": job.symbol,
            "exchange": job.exchange,
            "interval": job.interval,
            "n_bars": job.n_bars,
        },
    )
