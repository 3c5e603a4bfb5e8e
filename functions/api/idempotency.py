"""Idempotent POSTs: Powertools' ``idempotent_function`` around each command.

A command takes the typed request its route made of the validated body and returns a
``CommandResult`` (status and serialized body). The record key is the ``Idempotency-Key``
header; the validated body, as JSON, is the payload whose hash must match on a replay.
Records live 24 h in Redis or, with no Redis configured, in process
(``Services.idempotency_store``), and keep the exact body text, so a replay answers byte
for byte what the first request did. Only a command that returns is recorded: one that
raises leaves no record, so a retry runs it again.

Powertools' idempotency module costs ~0.2 s to import, so it is imported, and the command
wrapped, on the first POST that carries a key.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from functions.api.app import app
from functions.common.errors import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IdempotencyUnavailable,
)
from functions.common.http import json_response
from wiring.services import Services, get_services

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
EXPIRY_S = 24 * 60 * 60
KEY_PREFIX = "pocketquant"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=255,
        description="Same key and body within 24 h: the first response is replayed and the "
        "work done once. Same key, other body: 422.",
    ),
]
"""The ``Idempotency-Key`` header parameter of every idempotent POST."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What a command answers, as it is recorded and replayed: the status and the body."""

    status_code: int
    body: str


C = TypeVar("C")
Command = Callable[[C], CommandResult]

_ran: contextvars.ContextVar[bool] = contextvars.ContextVar("idempotent_command_ran", default=False)


class IdempotentCommand(Generic[C]):
    """A command run at most once per ``Idempotency-Key`` and body, within ``EXPIRY_S``."""

    def __init__(self, name: str, command: Command[C]) -> None:
        self.name = name
        self._command = command

    def __call__(
        self,
        request: C,
        body: Mapping[str, Any],
        key: str | None,
        *,
        lambda_context: Any = None,
    ) -> tuple[CommandResult, bool]:
        """Run the command on ``request`` (made of the validated ``body``); its result, and
        whether that was replayed from an earlier request."""
        if key is None:
            return self._command(request), False
        wrapped = self._wrapped(get_services(), lambda_context)
        token = _ran.set(False)
        try:
            # Only "payload" is hashed; the typed request travels beside it to ``_run``.
            call = {"idempotency_key": key, "payload": dict(body), "request": request}
            result: CommandResult = wrapped(call=call)
            return result, not _ran.get()
        except Exception as error:
            translated = _translated(error)
            if translated is error:
                raise
            raise translated from error
        finally:
            _ran.reset(token)

    def _run(self, call: dict[str, Any]) -> CommandResult:
        _ran.set(True)
        request: C = call["request"]
        return self._command(request)

    def _wrapped(self, services: Services, lambda_context: Any) -> Callable[..., CommandResult]:
        config, wrapped = services.once(f"idempotent:{self.name}", self._build(services))
        if callable(getattr(lambda_context, "get_remaining_time_in_millis", None)):
            config.register_lambda_context(lambda_context)
        return wrapped

    def _build(self, services: Services) -> Callable[[], tuple[Any, Callable[..., CommandResult]]]:
        def build() -> tuple[Any, Callable[..., CommandResult]]:
            from aws_lambda_powertools.utilities.idempotency import (
                IdempotencyConfig,
                idempotent_function,
            )
            from aws_lambda_powertools.utilities.idempotency.serialization.dataclass import (
                DataclassSerializer,
            )

            config = IdempotencyConfig(
                event_key_jmespath="idempotency_key",
                payload_validation_jmespath="payload",
                raise_on_no_idempotency_key=True,
                expires_after_seconds=EXPIRY_S,
            )
            wrapped = idempotent_function(
                data_keyword_argument="call",
                # One layer per command: Powertools keeps the key prefix on the layer.
                persistence_store=services.idempotency_store(),
                config=config,
                output_serializer=DataclassSerializer(CommandResult),
                key_prefix=f"{KEY_PREFIX}.{self.name}",
            )(self._run)
            return config, wrapped

        return build


def _translated(error: Exception) -> Exception:
    from aws_lambda_powertools.utilities.idempotency import exceptions

    if isinstance(error, exceptions.IdempotencyValidationError):
        return IdempotencyKeyReused(
            f"this {IDEMPOTENCY_HEADER} was used with another request body; "
            "use a new key for a new request"
        )
    if isinstance(error, exceptions.IdempotencyAlreadyInProgressError):
        return IdempotencyInProgress(
            f"a request with this {IDEMPOTENCY_HEADER} is still running; retry shortly"
        )
    if isinstance(error, exceptions.BaseError):
        return IdempotencyUnavailable(
            "idempotency records are unavailable; retry later, or send the request "
            f"without {IDEMPOTENCY_HEADER}"
        )
    return error


def idempotent(name: str) -> Callable[[Command[C]], IdempotentCommand[C]]:
    """Decorate a command: ``@idempotent("sync")``."""

    def decorate(command: Command[C]) -> IdempotentCommand[C]:
        return IdempotentCommand(name, command)

    return decorate


def respond(
    command: IdempotentCommand[C], request: C, body: Mapping[str, Any], key: str | None
) -> Response[str]:
    """Run ``command`` on ``request`` under ``key`` and answer its result, marking a replay."""
    result, replayed = command(request, body, key, lambda_context=app.lambda_context)
    headers = {REPLAY_HEADER: "true"} if replayed else None
    return json_response(result.body, result.status_code, headers)
