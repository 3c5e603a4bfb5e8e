"""``GET /health``: 200 when the store answers, 503 when it does not (the 503 body carries the
checks and the usual ``error`` object). ``degraded`` (still 200) when the cache is down, the
TradingView circuit breaker is not closed or the live feed is asked to run and not
connected: TradingView refusing is not PocketQuant being down, stored bars are served."""

from __future__ import annotations

from functools import cache
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from application.health import (
    Overall,
    assess,
    check_breaker,
    check_cache,
    check_feed,
    check_store,
)
from application.quotes import FeedStatus
from config.redaction import redact
from functions.api.app import API_VERSION, OPS_TAG, app
from functions.api.models.responses import HealthResponse
from functions.api.routes.openapi_responses import COMMON_ERRORS, responses
from functions.common.errors import ErrorDetail, error_detail
from functions.common.http import json_response
from wiring.services import get_services


@cache
def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pocketquant")
    except PackageNotFoundError:  # a Lambda layer carries the code, not the distribution
        return API_VERSION


def _shown(detail: str | None) -> str | None:
    """A failure as the body may show it: no secret in it."""
    return None if detail is None else redact(detail)


@app.get(
    "/health",
    operation_id="getHealth",  # no security: monitors call it without a key
    summary="Health of the service and its dependencies",
    tags=[OPS_TAG],
    responses={
        **responses(HealthResponse, errors=COMMON_ERRORS),
        503: {
            "description": "The store is down: the checks say which, `error` says why.",
            "content": {"application/json": {"model": HealthResponse}},
        },
    },
)
def get_health() -> Response[str]:
    services = get_services()
    breaker = services.tradingview_guard.breaker

    def feed_status() -> FeedStatus:
        return services.quotes.status()  # opening the quote state may be what fails

    health = assess(
        check_store(lambda: services.store, services.store_backend),
        check_cache(services.cache),
        breaker=check_breaker(breaker.view, breaker.backend),
        feed=check_feed(feed_status, services.quote_state_backend),
    )
    shown = {name: _shown(check.detail) for name, check in health.checks.items()}
    if health.overall is Overall.UNAVAILABLE:
        error = ErrorDetail.model_validate(
            error_detail("dependency_unavailable", f"the bar store is down: {shown['store']}")
        )
        body = HealthResponse.of(health, package_version(), shown=shown, error=error)
        return json_response(body.body(), HTTPStatus.SERVICE_UNAVAILABLE)
    return json_response(HealthResponse.of(health, package_version(), shown=shown).body())
