"""The POST commands: each runs one use case on the typed request its route made of the
validated body, and answers a ``CommandResult`` whose body its response model wrote.

They are idempotent (``functions.api.idempotency``): with an ``Idempotency-Key`` their
result is recorded and replayed. The async syncs run on a fresh event loop per request:
the handler is synchronous, and the local gateway calls it from many threads at once.
"""

from __future__ import annotations

import asyncio

from application.background import SyncJob
from application.bulk_sync import BulkSyncRequest, sync_many
from application.sync import SyncRequest, sync_series
from config.metric_names import BARS_SYNCED, SYNC_FAILURES
from domain.errors import DomainError
from domain.symbols import Symbol
from functions.api.idempotency import CommandResult, idempotent
from functions.api.models.fields import ApiModel
from functions.api.models.quotes import QuoteControlResponse
from functions.api.models.responses import (
    BackgroundSyncResponse,
    BulkSyncResponse,
    SyncResponse,
)
from functions.common.observability import count
from wiring.services import get_services


def _result(response: ApiModel, status: int = 200) -> CommandResult:
    # The body is kept as text so a replay answers byte for byte what the first request did.
    return CommandResult(status_code=status, body=response.body().decode())


@idempotent("sync")
def sync_command(request: SyncRequest) -> CommandResult:
    services = get_services()
    try:
        result = asyncio.run(
            sync_series(
                request,
                feed=services.feed,
                store=services.store,
                events=services.events,
                deadline_s=services.settings.sync_deadline,
            )
        )
    except DomainError:
        count(SYNC_FAILURES)
        raise
    count(BARS_SYNCED, result.bars_synced)
    return _result(SyncResponse.of(result))


@idempotent("sync-bulk")
def bulk_sync_command(request: BulkSyncRequest) -> CommandResult:
    services = get_services()
    outcomes = asyncio.run(
        sync_many(
            request.requests(),
            feed=services.bulk_feed,
            store=services.store,
            events=services.events,
            deadline_s=services.settings.sync_deadline,
        )
    )
    failed = sum(not outcome.ok for outcome in outcomes)
    count(BARS_SYNCED, sum(o.result.bars_synced for o in outcomes if o.result is not None))
    if failed:
        count(SYNC_FAILURES, failed)
    return _result(BulkSyncResponse.of(request.interval, outcomes))


@idempotent("sync-background")
def background_sync_command(job: SyncJob) -> CommandResult:
    get_services().sync_queue.enqueue(job)
    return _result(BackgroundSyncResponse.of(job), 202)


@idempotent("quotes-start")
def start_quotes_command(_: None) -> CommandResult:
    return _result(QuoteControlResponse.of(get_services().quotes.start()))


@idempotent("quotes-stop")
def stop_quotes_command(_: None) -> CommandResult:
    return _result(QuoteControlResponse.of(get_services().quotes.stop()))


@idempotent("quotes-subscribe")
def subscribe_command(symbol: Symbol) -> CommandResult:
    return _result(QuoteControlResponse.of(get_services().quotes.subscribe(symbol)))


@idempotent("quotes-unsubscribe")
def unsubscribe_command(symbol: Symbol) -> CommandResult:
    return _result(QuoteControlResponse.of(get_services().quotes.unsubscribe(symbol)))
