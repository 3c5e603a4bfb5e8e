"""``GET /chart``: the live candlestick page (``functions/api/chart/``).

Open like ``/health``: a browser cannot send ``x-api-key`` when it loads a page, so the page
asks for the key itself and sends it on its own calls (REST and stream). The page holds no
data; everything it draws comes through those calls.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from application.queries import MAX_QUERY_LIMIT
from domain.intervals import Interval
from functions.api.app import MARKET_DATA_TAG, app
from functions.api.chart.assets import ChartAssetsMissing
from functions.api.error_handlers import error_response, handles
from functions.api.models.fields import NAME_PATTERN
from functions.common.errors import ErrorBody
from functions.common.observability import logger
from wiring.services import get_services

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

_NAME = NAME_PATTERN.removeprefix("^").removesuffix("$")
SYMBOL_PATTERN = f"^{_NAME}:{_NAME}$"
"""``EXCHANGE:SYMBOL``, each part by the API's rule for names."""
DEFAULT_SYMBOL = "NASDAQ:AAPL"
HTML = "text/html; charset=utf-8"


def _error(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": ErrorBody}}}


@app.get(
    "/chart",
    operation_id="getChartPage",  # no security: the page asks for the key itself
    summary="Live candlestick page",
    description="An HTML page drawing the stored bars of the series (from "
    "`/market-data/ohlcv`) and the bar in progress from the stream, with a symbol and "
    "interval picker. It asks for the API key once and keeps it in the browser.",
    tags=[MARKET_DATA_TAG],
    responses={
        200: {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}},
        422: _error("`symbol` or `interval` breaks its rule (error.field names it)."),
        500: _error(
            "The page's assets were not built (`chart_assets_missing`), or another failure of ours."
        ),
    },
)
def get_chart_page(
    symbol: Annotated[
        str, Query(pattern=SYMBOL_PATTERN, description="EXCHANGE:SYMBOL, e.g. NASDAQ:AAPL")
    ] = DEFAULT_SYMBOL,
    interval: Annotated[Interval, Query()] = Interval.D1,
) -> Response[str]:
    # The page's module, and the 200 KB it reads, wait for the first visit.
    from functions.api.chart.page import render

    page = render(
        symbol.upper(),
        interval,
        limit=MAX_QUERY_LIMIT,
        stream_url=get_services().settings.stream_url,
    )
    return Response(
        status_code=HTTPStatus.OK.value,
        content_type=HTML,
        body=page.html,
        headers={
            "Content-Security-Policy": page.content_security_policy,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )


@handles(ChartAssetsMissing)
def chart_assets_missing(error: ChartAssetsMissing) -> Response[str]:
    logger.error("the chart page cannot be served", extra={"reason": str(error)})
    return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "chart_assets_missing", str(error))
