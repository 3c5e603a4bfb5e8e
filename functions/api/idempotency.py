"""Idempotent POSTs: Powertools' ``idempotent_function`` on each command.

The record key is the ``Idempotency-Key`` header; the validated body is the payload whose
hash must match on a replay. Records live 24 h in Redis or, with no Redis configured, in
process (``Services.idempotency_store``). Only a command
that returns is recorded: one that raises leaves no record, so a retry runs it again.

Powertools' idempotency module costs ~0.2 s to import, so it is imported, and the command
wrapped, on the first POST that carries a key.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Annotated, Any

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

CommandResult = dict[str, Any]
"""``{"status_code": int, "body": str}`` (the serialized body): what is stored and replayed."""
Command = Callable[[dict[str, Any]], CommandResult]

_ran: contextvars.ContextVar[bool] = contextvars.ContextVar("idempotent_command_ran", default=False)


class IdempotentCommand:
    """A command run at most once per ``Idempotency-Key`` and body, within ``EXPIRY_S``."""

    def __init__(self, name: str, command: Command) -> None:
        self.name = name
        self._command = command

    def __call__(
        self, payload: dict[str, Any], key: str | None, *, lambda_context: Any = None
    ) -> tuple[CommandResult, bool]:
        """The command's result, and whether it was replayed from an earlier request."""
        if key is None:
            return self._command(payload), False
        wrapped = self._wrapped(get_services(), lambda_context)
        token = _ran.set(False)
        try:
            result: CommandResult = wrapped(call={"idempotency_key": key, "payload": payload})
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
        return self._command(call["payload"])

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

            config = IdempotencyConfig(
                event_key_jmespath="idempotency_key",
                payload_validation_jmespath="payload",
                raise_on_no_idempotency_key=True,
                expires_after_seconds=EXPIRY_S,
            )
            # One layer per command: Powertools keeps the key prefix on the layer.
            layer = services.idempotency_store()
            wrapped = idempotent_function(
                data_keyword_argument="call",
                persistence_store=layer,
                config=config,
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


def idempotent(name: str) -> Callable[[Command], IdempotentCommand]:
    """Decorate a command: ``@idempotent("sync")``."""

    def decorate(command: Command) -> IdempotentCommand:
        return IdempotentCommand(name, command)

    return decorate


def respond(command: IdempotentCommand, payload: dict[str, Any], key: str | None) -> Response[str]:
    """Run ``command`` under ``key`` and answer its result, marking a replay."""
    result, replayed = command(payload, key, lambda_context=app.lambda_context)
    headers = {REPLAY_HEADER: "true"} if replayed else None
    return json_response(result["body"], result["status_code"], headers)
