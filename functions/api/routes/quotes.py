"""Live quotes: ``POST /quotes/start|stop|subscribe|unsubscribe`` and ``GET /quotes/latest/…,
/quotes/all, /quotes/current-bar/…, /quotes/status``.

Control writes the desired state (durable, beside the bars) and signals the streamer; reads
come from the state the streamer flushes to Redis (in process locally). The use cases are
``application.quotes.QuoteService``, one per services container.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, Field

from application.quote_ports import QuoteStateUnavailable
from application.quotes import QuoteNotFound, QuoteService
from domain.intervals import Interval
from functions.api.app import SECURITY, app
from functions.api.error_handlers import error_response, handles
from functions.api.idempotency import IdempotencyKey, respond
from functions.api.idempotency import idempotent as idempotent_command
from functions.api.models.fields import NAME_PATTERN, Timestamp
from functions.api.models.requests import SymbolRef
from functions.api.routes.openapi_responses import COMMON_ERRORS, STORE_ERRORS, responses
from functions.common.http import json_response
from functions.common.observability import logger
from wiring.services import get_services

QUOTES_TAG = "quotes"
POST_ERRORS = (400, 409, 415, *STORE_ERRORS)


# --- response models (documentation; the bodies come from the use cases' views) ---------


class QuoteResponse(BaseModel):
    symbol: str
    exchange: str
    timestamp: Timestamp | None = Field(description="The exchange's time of the last trade.")
    last_price: float | None
    bid: float | None
    ask: float | None
    volume: float | None = Field(description="The session's cumulative volume.")
    change: float | None
    change_percent: float | None
    open_price: float | None
    high_price: float | None
    low_price: float | None
    prev_close: float | None


class AllQuotesResponse(BaseModel):
    count: int
    data: list[QuoteResponse] = Field(description="One per subscription that has a quote.")


class CurrentBarResponse(BaseModel):
    symbol: str
    exchange: str
    interval: Interval
    datetime: Timestamp = Field(description="Bar open time, ISO 8601 UTC.")
    open: float
    high: float
    low: float
    close: float
    volume: float | None


class QuoteStatusResponse(BaseModel):
    running: bool = Field(description="Whether the feed was asked to run (start/stop).")
    subscription_count: int
    active_symbols: list[str] = Field(description="Symbols the streamer is receiving now.")
    connected: bool = Field(description="Whether the streamer is connected to TradingView.")
    last_tick_at: Timestamp | None = Field(description="Exchange time of the newest tick.")
    unknown_symbols: dict[str, str] = Field(
        description="Subscribed symbols TradingView does not know, with its reason."
    )


class QuoteControlResponse(BaseModel):
    running: bool
    subscription_count: int
    changed: bool = Field(description="False when the request changed nothing.")
    symbol: str | None = None
    exchange: str | None = None
    subscribed: bool | None = None


ExchangePath = Annotated[str, Path(pattern=NAME_PATTERN, description="e.g. BINANCE")]
SymbolPath = Annotated[str, Path(pattern=NAME_PATTERN, description="e.g. BTCUSDT")]


def quote_service() -> QuoteService:
    """The quote use cases of the current services container (built on first use)."""
    return get_services().quotes


@handles(QuoteNotFound)
def _no_live_data(error: QuoteNotFound) -> Response[str]:
    return error_response(HTTPStatus.NOT_FOUND, error.code, error.message)


@handles(QuoteStateUnavailable)
def _state_unavailable(error: QuoteStateUnavailable) -> Response[str]:
    logger.error("request failed", extra={"error_code": error.code, "reason": error.message})
    return error_response(
        HTTPStatus.SERVICE_UNAVAILABLE, error.code, error.message, headers={"Retry-After": "1"}
    )


# --- control -----------------------------------------------------------------------------


@idempotent_command("quotes-start")
def _start(payload: dict[str, Any]) -> dict[str, Any]:
    return {"status_code": 200, "body": quote_service().start().to_dict()}


@idempotent_command("quotes-stop")
def _stop(payload: dict[str, Any]) -> dict[str, Any]:
    return {"status_code": 200, "body": quote_service().stop().to_dict()}


@idempotent_command("quotes-subscribe")
def _subscribe(payload: dict[str, Any]) -> dict[str, Any]:
    view = quote_service().subscribe(payload["exchange"], payload["symbol"])
    return {"status_code": 200, "body": view.to_dict()}


@idempotent_command("quotes-unsubscribe")
def _unsubscribe(payload: dict[str, Any]) -> dict[str, Any]:
    view = quote_service().unsubscribe(payload["exchange"], payload["symbol"])
    return {"status_code": 200, "body": view.to_dict()}


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
    return respond(_start, {}, idempotency_key)


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
    return respond(_stop, {}, idempotency_key)


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
    return respond(_subscribe, body.model_dump(mode="json"), idempotency_key)


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
    return respond(_unsubscribe, body.model_dump(mode="json"), idempotency_key)


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
    return json_response(quote_service().latest(exchange, symbol).to_dict())


@app.get(
    "/quotes/all",
    operation_id="getAllQuotes",
    security=SECURITY,
    summary="The latest quote of every subscription",
    tags=[QUOTES_TAG],
    responses=responses(AllQuotesResponse),
)
def get_all() -> Response[str]:
    return json_response(quote_service().all_latest().to_dict())


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
    view = quote_service().current_bar(exchange, symbol, interval.value)
    return json_response(view.to_dict())


@app.get(
    "/quotes/status",
    operation_id="getQuoteStatus",
    security=SECURITY,
    summary="The live feed's status",
    tags=[QUOTES_TAG],
    responses=responses(QuoteStatusResponse, errors=(*COMMON_ERRORS, 503)),
)
def get_status() -> Response[str]:
    return json_response(quote_service().status().to_dict())
