"""``GET /market-data/ohlcv/{exchange}/{symbol}``: stored bars, from the query cache when it can.

The body is built once per series version and cached serialized, so a cache hit is one
Redis round trip and no per-bar work; the route returns it as a prebuilt response rather
than through pydantic (the declared model still documents it in OpenAPI).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import WithJsonSchema

from application.bar_cache import BarQuery, CacheOutcome, query_body
from application.queries import DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT
from application.query_dates import end_epoch, start_epoch
from config.metric_names import CACHE_ERRORS, CACHE_HITS, CACHE_MISSES
from domain.bars import SeriesKey
from domain.intervals import Interval
from domain.symbols import Symbol
from functions.api.app import MARKET_DATA_TAG, SECURITY, app
from functions.api.bars_body import render_bars
from functions.api.dates import DATE_DESCRIPTION, DATE_SCHEMA
from functions.api.models.fields import NAME_PATTERN
from functions.api.models.responses import OhlcvResponse
from functions.api.routes.openapi_responses import STORE_ERRORS, responses
from functions.common.http import json_response
from functions.common.observability import count
from wiring.services import get_services

CACHE_HEADER = "X-Cache"
"""``hit``, ``miss``, or ``bypass`` when the cache was unavailable and the store answered."""
CACHE_HEADER_VALUES = {
    CacheOutcome.HIT: "hit",
    CacheOutcome.MISS: "miss",
    CacheOutcome.ERROR: "bypass",
}
CACHE_METRICS = {
    CacheOutcome.HIT: CACHE_HITS,
    CacheOutcome.MISS: CACHE_MISSES,
    CacheOutcome.ERROR: CACHE_ERRORS,
}


@app.get(
    "/market-data/ohlcv/<exchange>/<symbol>",
    operation_id="getOhlcv",
    security=SECURITY,
    summary="Read stored bars",
    description="Bars oldest first: the newest `limit` bars, or the first `limit` from "
    "`start_date`. 404 when the series was never synced.",
    tags=[MARKET_DATA_TAG],
    responses=responses(OhlcvResponse, errors=(404, *STORE_ERRORS)),
)
def get_ohlcv(
    *,
    exchange: Annotated[str, Path(pattern=NAME_PATTERN, description="e.g. NASDAQ")],
    symbol: Annotated[str, Path(pattern=NAME_PATTERN, description="e.g. AAPL")],
    interval: Annotated[Interval, Query()] = Interval.D1,
    start_date: Annotated[
        str | None, WithJsonSchema(DATE_SCHEMA), Query(description=DATE_DESCRIPTION)
    ] = None,
    end_date: Annotated[
        str | None, WithJsonSchema(DATE_SCHEMA), Query(description=DATE_DESCRIPTION)
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_QUERY_LIMIT)] = DEFAULT_QUERY_LIMIT,
) -> Response[str]:
    query = BarQuery(
        key=SeriesKey(Symbol(exchange=exchange, ticker=symbol), interval),
        start=start_epoch(start_date),
        end=end_epoch(end_date),
        limit=limit,
    )
    services = get_services()
    found = query_body(query, store=services.store, cache=services.cache, render=render_bars)
    count(CACHE_METRICS[found.outcome])
    return json_response(found.body, headers={CACHE_HEADER: CACHE_HEADER_VALUES[found.outcome]})
