"""What API Gateway does in front of the api function, without the sockets.

Checks the API key, turns the request into a proxy event, invokes the handler, turns its
result into the HTTP response and logs one access line. :mod:`local.asgi_app` puts it
behind the HTTP server of :mod:`local.gateway`.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import correlation
from functions.common.correlation import CORRELATION_HEADER
from local.http_limits import MAX_BODY_BYTES
from local.lambda_context import LocalLambdaContext
from local.proxy_event import HttpRequest, HttpResponse, RouteTemplate, http_response, proxy_event

logger = logging.getLogger("pocketquant.gateway")

ApiHandler = Callable[[dict[str, Any], LambdaContext], Mapping[str, Any]]

API_KEY_HEADER = "x-api-key"
OPEN_PATHS = frozenset({"/health", "/chart"})
"""Paths answered without an API key, as the deployed API leaves them open (the operations
of ``openapi.json`` without ``security``; a test holds the two together)."""
FUNCTION_NAME = "pocketquant-api"


def error_response(
    status: int, code: str, message: str, correlation_id: str | None = None
) -> HttpResponse:
    """A response with the API's error body, for answers the gateway gives itself.

    Like the api's own errors it carries a correlation id in the body and the header: the
    one given, else a fresh one.
    """
    correlation_id = correlation_id or str(uuid.uuid4())
    error = {"code": code, "message": message, "correlation_id": correlation_id}
    body = json.dumps({"error": error}).encode("utf-8")
    headers = [("Content-Type", "application/json"), (CORRELATION_HEADER, correlation_id)]
    return HttpResponse(status=status, headers=headers, body=body)


def log_access(method: str, target: str, status: int, started: float, correlation_id: str) -> None:
    """The access line of one answer: never the query string, which may carry anything."""
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.info(
        "%s %s %d %.1fms correlation_id=%s",
        method,
        _path(target),
        status,
        elapsed_ms,
        correlation_id,
    )


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    found = [value for key, value in headers if key.lower() == wanted]
    return found[-1] if found else None


def _path(target: str) -> str:
    return target.split("?", 1)[0]


class LocalApiGateway:
    """API Gateway's part of a request: key check, proxy event, invocation, access log."""

    def __init__(
        self,
        handler: ApiHandler,
        *,
        api_key: str | None = None,
        routes: Sequence[str] = (),
    ) -> None:
        self._handler = handler
        self._api_key = api_key.encode("utf-8") if api_key else None
        # A literal path segment wins over a parameter, as in API Gateway's resource tree.
        by_specificity = sorted(routes, key=lambda template: template.count("{"))
        self._routes = [RouteTemplate.parse(template) for template in by_specificity]

    def respond(self, request: HttpRequest) -> HttpResponse:
        """The answer to ``request``, whose body the server has read in full."""
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        # What the api handler would choose: the caller's id when well formed, else ours.
        correlation_id = correlation.choose(request.headers, request_id)
        response = self._answer(request, request_id, correlation_id)
        self._log(request, response, started, correlation_id)
        return response

    def refuse(self, request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
        """The gateway's own answer to ``request`` (its body unread), logged like any other."""
        started = time.perf_counter()
        correlation_id = correlation.choose(request.headers)
        response = error_response(status, code, message, correlation_id)
        self._log(request, response, started, correlation_id)
        return response

    def refuse_oversized(self, request: HttpRequest) -> HttpResponse:
        """The answer to a request whose body is over the limit (left unread)."""
        return self.refuse(
            request, 413, "payload_too_large", f"the request body is over {MAX_BODY_BYTES} bytes"
        )

    @staticmethod
    def _log(
        request: HttpRequest, response: HttpResponse, started: float, correlation_id: str
    ) -> None:
        log_access(
            request.method,
            request.target,
            response.status,
            started,
            response.header(CORRELATION_HEADER) or correlation_id,
        )

    def _answer(self, request: HttpRequest, request_id: str, correlation_id: str) -> HttpResponse:
        if not self._authorized(request):
            return error_response(
                403,
                "forbidden",
                f"a valid {API_KEY_HEADER} header is required",
                correlation_id,
            )
        # HEAD is GET without the body: the handler answers GET and the server sends no body.
        as_invoked = replace(request, method="GET") if request.method == "HEAD" else request
        event = proxy_event(as_invoked, routes=self._routes, request_id=request_id)
        context = LocalLambdaContext(FUNCTION_NAME, request_id=request_id)
        try:
            result = self._handler(event, context)
        except Exception:
            # API Gateway answers 502 when the function fails; the traceback is for the log.
            logger.exception("the api handler failed on %s %s", request.method, event["path"])
            return error_response(502, "handler_failed", "the api function failed", correlation_id)
        return http_response(result)

    def _authorized(self, request: HttpRequest) -> bool:
        if self._api_key is None or _path(request.target) in OPEN_PATHS:
            return True
        supplied = _header(request.headers, API_KEY_HEADER)
        return supplied is not None and hmac.compare_digest(supplied.encode("utf-8"), self._api_key)
