"""Live quotes: ``POST /quotes/start|stop|subscribe|unsubscribe`` and ``GET /quotes/latest/…,
/quotes/all, /quotes/current-bar/…, /quotes/status``.

Control writes the desired state (durable, beside the bars) and signals the streamer; reads
come from the state the streamer flushes to Redis (in process locally). The use cases are
``application.quotes.QuoteService``, one per services container.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from application.quotes import QuoteService
from domain.intervals import Interval
from domain.symbols import Symbol
from functions.api.app import SECURITY, app
from functions.api.commands import (
    start_quotes_command,
    stop_quotes_command,
    subscribe_command,
    unsubscribe_command,
)
from functions.api.idempotency import IdempotencyKey, respond
from functions.api.models.fields import NAME_PATTERN
from functions.api.models.quotes import (
    AllQuotesResponse,
    CurrentBarResponse,
    QuoteControlResponse,
    QuoteResponse,
    QuoteStatusResponse,
)
from functions.api.models.requests import SymbolRef
from functions.api.routes.openapi_responses import COMMON_ERRORS, STORE_ERRORS, responses
from functions.common.http import json_response
from wiring.services import get_services

QUOTES_TAG = "quotes"
POST_ERRORS = (400, 409, 415, *STORE_ERRORS)

ExchangePath = Annotated[str, Path(pattern=NAME_PATTERN, description="e.g. BINANCE")]
SymbolPath = Annotated[str, Path(pattern=NAME_PATTERN, description="e.g. BTCUSDT")]


def quote_service() -> QuoteService:
    """The quote use cases of the current services container (built on first use)."""
    return get_services().quotes


# --- control -----------------------------------------------------------------------------


@app.post(
    "/quotes/start",
    operation_id="startQuotes",
    security=SECURITY,
    summary="Start the live feed",
    description="The streamer connects to TradingView and streams every subscription.",
    tags=[QUOTES_TAG],
    responses=responses(QuoteControlResponse, errors=POST_ERRORS),
)
def post_start(idempotency_key: IdempotencyKey = None) -> Response[str]:
    return respond(start_quotes_command, None, {}, idempotency_key)


@app.post(
    "/quotes/stop",
    operation_id="stopQuotes",
    security=SECURITY,
    summary="Stop the live feed",
    description="The streamer disconnects; subscriptions are kept for the next start.",
    tags=[QUOTES_TAG],
    responses=responses(QuoteControlResponse, errors=POST_ERRORS),
)
def post_stop(idempotency_key: IdempotencyKey = None) -> Response[str]:
    return respond(stop_quotes_command, None, {}, idempotency_key)


@app.post(
    "/quotes/subscribe",
    operation_id="subscribeQuotes",
    security=SECURITY,
    summary="Subscribe to a symbol's live quotes",
    description="Kept across restarts. A symbol TradingView does not know shows in "
    "`unknown_symbols` of the status.",
    tags=[QUOTES_TAG],
    responses=responses(QuoteControlResponse, errors=POST_ERRORS),
)
def post_subscribe(
    body: Annotated[SymbolRef, Body(embed=False)], idempotency_key: IdempotencyKey = None
) -> Response[str]:
    return respond(
        subscribe_command, body.symbol_of(), body.model_dump(mode="json"), idempotency_key
    )


@app.post(
    "/quotes/unsubscribe",
    operation_id="unsubscribeQuotes",
    security=SECURITY,
    summary="Unsubscribe a symbol",
    tags=[QUOTES_TAG],
    responses=responses(QuoteControlResponse, errors=POST_ERRORS),
)
def post_unsubscribe(
    body: Annotated[SymbolRef, Body(embed=False)], idempotency_key: IdempotencyKey = None
) -> Response[str]:
    return respond(
        unsubscribe_command, body.symbol_of(), body.model_dump(mode="json"), idempotency_key
    )


# --- reads ---------------------------------------------------------------------------------


@app.get(
    "/quotes/latest/<exchange>/<symbol>",
    operation_id="getLatestQuote",
    security=SECURITY,
    summary="The latest quote of a symbol",
    description="404 when there is none (not subscribed, unknown, or nothing received yet).",
    tags=[QUOTES_TAG],
    responses=responses(QuoteResponse, errors=(404, *STORE_ERRORS)),
)
def get_latest(exchange: ExchangePath, symbol: SymbolPath) -> Response[str]:
    quote = quote_service().latest(Symbol(exchange=exchange, ticker=symbol))
    return json_response(QuoteResponse.of(quote).body())


@app.get(
    "/quotes/all",
    operation_id="getAllQuotes",
    security=SECURITY,
    summary="The latest quote of every subscription",
    tags=[QUOTES_TAG],
    responses=responses(AllQuotesResponse),
)
def get_all() -> Response[str]:
    return json_response(AllQuotesResponse.of(quote_service().all_latest()).body())


@app.get(
    "/quotes/current-bar/<exchange>/<symbol>",
    operation_id="getCurrentBar",
    security=SECURITY,
    summary="The bar being built now",
    description="Built from live ticks with TradingView's bar times; 404 when none is in progress.",
    tags=[QUOTES_TAG],
    responses=responses(CurrentBarResponse, errors=(404, *STORE_ERRORS)),
)
def get_current_bar(
    exchange: ExchangePath,
    symbol: SymbolPath,
    interval: Annotated[Interval, Query()] = Interval.M1,
) -> Response[str]:
    current = quote_service().current_bar(Symbol(exchange=exchange, ticker=symbol), interval)
    return json_response(CurrentBarResponse.of(current).body())


@app.get(
    "/quotes/status",
    operation_id="getQuoteStatus",
    security=SECURITY,
    summary="The live feed's status",
    tags=[QUOTES_TAG],
    responses=responses(QuoteStatusResponse, errors=(*COMMON_ERRORS, 503)),
)
def get_status() -> Response[str]:
    return json_response(QuoteStatusResponse.of(quote_service().status()).body())
