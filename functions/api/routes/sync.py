"""``POST /market-data/sync``, ``/sync/bulk`` and ``/sync/background``."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from functions.api.app import MARKET_DATA_TAG, SECURITY, app
from functions.api.commands import background_sync_command, bulk_sync_command, sync_command
from functions.api.idempotency import IdempotencyKey, respond
from functions.api.models.requests import BulkSyncBody, SyncBody
from functions.api.models.responses import BackgroundSyncResponse, BulkSyncResponse, SyncResponse
from functions.api.routes.openapi_responses import COMMON_ERRORS, FEED_ERRORS, responses


@app.post(
    "/market-data/sync",
    operation_id="syncSeries",
    security=SECURITY,
    summary="Sync one series now",
    description="Fetch bars from TradingView, store them (an upsert) and report the series.",
    tags=[MARKET_DATA_TAG],
    responses=responses(SyncResponse, errors=FEED_ERRORS),
)
def post_sync(
    body: Annotated[SyncBody, Body(embed=False)], idempotency_key: IdempotencyKey = None
) -> Response[str]:
    return respond(sync_command, body.request(), body.model_dump(mode="json"), idempotency_key)


@app.post(
    "/market-data/sync/bulk",
    operation_id="syncBulk",
    security=SECURITY,
    summary="Sync up to 50 symbols now",
    description="One result per symbol; a symbol that fails does not fail the others.",
    tags=[MARKET_DATA_TAG],
    responses=responses(BulkSyncResponse, errors=(400, 409, 415, *COMMON_ERRORS, 503)),
)
def post_bulk_sync(
    body: Annotated[BulkSyncBody, Body(embed=False)], idempotency_key: IdempotencyKey = None
) -> Response[str]:
    return respond(bulk_sync_command, body.request(), body.model_dump(mode="json"), idempotency_key)


@app.post(
    "/market-data/sync/background",
    operation_id="syncInBackground",
    security=SECURITY,
    summary="Queue a sync",
    description="Answers 202 with a job id at once; the sync runs on the queue and shows in "
    "the sync status when done.",
    tags=[MARKET_DATA_TAG],
    responses=responses(
        BackgroundSyncResponse,
        status=202,
        description="Queued",
        errors=(400, 409, 415, *COMMON_ERRORS, 503),
    ),
)
def post_background_sync(
    body: Annotated[SyncBody, Body(embed=False)], idempotency_key: IdempotencyKey = None
) -> Response[str]:
    return respond(
        background_sync_command, body.job(), body.model_dump(mode="json"), idempotency_key
    )
