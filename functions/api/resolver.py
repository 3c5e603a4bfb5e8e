"""Powertools' REST resolver, safe to share between threads.

Powertools keeps the request being resolved in class attributes (``current_event``,
``lambda_context``) and in the resolver's ``context`` dict, so two threads resolving at once
read each other's request and clear each other's route. Lambda never does that, but the
local gateway answers each HTTP request on its own thread; here each thread has its own
state, the way Powertools' own ``Router`` overrides these properties.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext


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
        self.current_event = self._to_proxy_event(dict(event))
        self.lambda_context = context
        try:
            return self._build_response(self._resolve())
        finally:
            self.context.clear()
