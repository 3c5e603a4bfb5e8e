"""What is tracked: ``GET /market-data/symbols`` and ``GET /market-data/sync-status[/…]``."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from application.status_queries import list_sync_statuses, symbol_sync_statuses, tracked_symbols
from domain.intervals import Interval
from domain.series import SyncStatus
from domain.symbols import Symbol, normalize_name
from functions.api.app import MARKET_DATA_TAG, SECURITY, app
from functions.api.models.fields import NAME_PATTERN
from functions.api.models.responses import SymbolsResponse, SyncStatusResponse
from functions.api.presenters import status_record, symbol_record
from functions.api.routes.openapi_responses import STORE_ERRORS, responses
from functions.common.http import json_response
from wiring.services import get_services


def _statuses_body(statuses: list[SyncStatus]) -> dict[str, object]:
    return {"count": len(statuses), "series": [status_record(s) for s in statuses]}


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
    return json_response({"count": len(symbols), "symbols": [symbol_record(s) for s in symbols]})


@app.get(
    "/market-data/sync-status",
    operation_id="listSyncStatus",
    security=SECURITY,
    summary="Sync status of every tracked series",
    tags=[MARKET_DATA_TAG],
    responses=responses(SyncStatusResponse),
)
def get_sync_statuses() -> Response[str]:
    return json_response(_statuses_body(list_sync_statuses(get_services().store)))


@app.get(
    "/market-data/sync-status/<exchange>/<symbol>",
    operation_id="getSymbolSyncStatus",
    security=SECURITY,
    summary="Sync status of one symbol",
    description="Every tracked interval of the symbol, or only `interval`. 404 when none is "
    "tracked.",
    tags=[MARKET_DATA_TAG],
    responses=responses(SyncStatusResponse, errors=(404, *STORE_ERRORS)),
)
def get_symbol_sync_status(
    exchange: Annotated[str, Path(pattern=NAME_PATTERN)],
    symbol: Annotated[str, Path(pattern=NAME_PATTERN)],
    interval: Annotated[Interval | None, Query()] = None,
) -> Response[str]:
    statuses = symbol_sync_statuses(
        get_services().store, Symbol(exchange=exchange, ticker=symbol), interval
    )
    return json_response(_statuses_body(statuses))
