"""What is tracked: ``GET /market-data/symbols`` and ``GET /market-data/sync-status[/…]``."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from application.status_queries import list_sync_statuses, sync_status, tracked_symbols
from domain.bars import SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol, normalize_name
from functions.api.app import MARKET_DATA_TAG, SECURITY, app
from functions.api.models.fields import NAME_PATTERN
from functions.api.models.responses import (
    SymbolsResponse,
    SyncStatusListResponse,
    SyncStatusResponse,
)
from functions.api.routes.openapi_responses import STORE_ERRORS, responses
from functions.common.http import json_response
from wiring.services import get_services


@app.get(
    "/market-data/symbols",
    operation_id="listSymbols",
    security=SECURITY,
    summary="Tracked symbols",
    description="Every symbol a sync has seen, with what TradingView says of it.",
    tags=[MARKET_DATA_TAG],
    responses=responses(SymbolsResponse),
)
def get_symbols(
    exchange: Annotated[
        str | None, Query(pattern=NAME_PATTERN, description="Only this exchange.")
    ] = None,
) -> Response[str]:
    wanted = normalize_name("exchange", exchange) if exchange is not None else None
    symbols = tracked_symbols(get_services().store, wanted)
    return json_response(SymbolsResponse.of(symbols).body())


@app.get(
    "/market-data/sync-status",
    operation_id="listSyncStatus",
    security=SECURITY,
    summary="Sync status of every tracked series",
    description="Every series synced or queued, with its latest background job.",
    tags=[MARKET_DATA_TAG],
    responses=responses(SyncStatusListResponse),
)
def get_sync_statuses() -> Response[str]:
    services = get_services()
    statuses = list_sync_statuses(services.store, services.job_board)
    return json_response(SyncStatusListResponse.of(statuses).body())


@app.get(
    "/market-data/sync-status/<exchange>/<symbol>",
    operation_id="getSymbolSyncStatus",
    security=SECURITY,
    summary="Sync status of one series",
    description="The series of the symbol at `interval` (daily unless given). 404 when it "
    "is not tracked.",
    tags=[MARKET_DATA_TAG],
    responses=responses(SyncStatusResponse, errors=(404, *STORE_ERRORS)),
)
def get_symbol_sync_status(
    exchange: Annotated[str, Path(pattern=NAME_PATTERN)],
    symbol: Annotated[str, Path(pattern=NAME_PATTERN)],
    interval: Annotated[Interval, Query()] = Interval.D1,
) -> Response[str]:
    key = SeriesKey(Symbol(exchange=exchange, ticker=symbol), interval)
    services = get_services()
    state = sync_status(services.store, key, services.job_board)
    return json_response(SyncStatusResponse.of(state).body())
