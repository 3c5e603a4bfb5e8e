"""Powertools' REST resolver, safe to share between threads.

Powertools keeps the request being resolved in class attributes (``current_event``,
``lambda_context``) and in the resolver's ``context`` dict, so two threads resolving at once
read each other's request and clear each other's route. Lambda never does that, but the
local gateway answers each HTTP request on its own thread; here each thread has its own
state, the way Powertools' own ``Router`` overrides these properties.

Its request validation also asks, of every query parameter of every request, whether the
parameter's declared type is a scalar (walking the type's annotations through pydantic): a
fact of the route, not of the request. :func:`_remember_scalar_fields` answers it once per
field. It replaces the name ``is_scalar_field`` in Powertools' validation module, which is
why pyproject.toml keeps Powertools to one minor version; the validation tests
(tests/unit/test_api_models.py, the malformed-input tests) tell whether a newer one still
validates every parameter. The event's header views, which Powertools builds afresh on each
of the five reads of a request, are built once per request (:class:`_ProxyEvent`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import cached_property
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.middlewares import openapi_validation
from aws_lambda_powertools.event_handler.openapi.compat import ModelField
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext


def _remember_scalar_fields() -> None:
    ask = openapi_validation.is_scalar_field  # type: ignore[attr-defined]
    # The fields live as long as their routes, so their ids stay theirs; each is kept here.
    known: dict[int, tuple[ModelField, bool]] = {}

    def is_scalar_field(field: ModelField) -> bool:
        found = known.get(id(field))
        if found is None:
            found = known[id(field)] = (field, ask(field))
        return found[1]

    openapi_validation.is_scalar_field = is_scalar_field  # type: ignore[attr-defined]


_remember_scalar_fields()


class _ProxyEvent(APIGatewayProxyEvent):
    """The REST proxy event, its (case-insensitive) header views made once: an event's
    headers do not change while it is resolved."""

    @cached_property
    def headers(self) -> dict[str, str]:
        return super().headers

    @cached_property
    def multi_value_headers(self) -> dict[str, list[str]]:
        return super().multi_value_headers


class ThreadSafeRestResolver(APIGatewayRestResolver):
    _request = threading.local()

    @property  # type: ignore[override]
    def current_event(self) -> BaseProxyEvent:
        return cast(BaseProxyEvent, self._request.event)

    @current_event.setter
    def current_event(self, value: BaseProxyEvent) -> None:
        self._request.event = value

    @property
    def lambda_context(self) -> LambdaContext:
        return cast(LambdaContext, getattr(self._request, "lambda_context", None))

    @lambda_context.setter
    def lambda_context(self, value: LambdaContext) -> None:
        self._request.lambda_context = value

    @property
    def context(self) -> dict[str, Any]:
        found: dict[str, Any] | None = getattr(self._request, "context", None)
        if found is None:
            found = self._request.context = {}
        return found

    @context.setter
    def context(self, value: dict[str, Any]) -> None:
        self._request.context = value

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        """What Powertools' ``resolve`` does, with this thread's state instead of the class's."""
        self.current_event = _ProxyEvent(dict(event), self._json_body_deserializer)
        self.lambda_context = context
        try:
            return self._build_response(self._resolve())
        finally:
            self.context.clear()
