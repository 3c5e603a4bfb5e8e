"""Deployment settings read from CDK context, with defaults so a bare ``cdk synth`` works.

Give them in ``cdk.json`` under ``context`` or on the command line
(``-c stage=prod -c alarmEmail=ops@example.com``). List and object values are JSON
(``-c 'trackedSymbols=["NASDAQ:AAPL"]'``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from constructs import Node

from config.settings import Settings, guardrail_environment
from domain.errors import InvalidInput
from domain.intervals import Interval
from domain.symbols import Symbol
from infra_stack import constants as c

_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBHOOK_NAME = re.compile(r"^[a-zA-Z0-9-]{1,32}$")
_FIELD = re.compile(r"^[a-z_]{1,32}$")
_TRADINGVIEW = "tradingview_"


class SettingsError(ValueError):
    """A context value is malformed; the message names the key."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """One subscriber: domain events of ``event_types`` are POSTed to ``url``."""

    name: str
    url: str
    event_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StackSettings:
    stage: str
    mongodb_secret_arn: str | None  # None: the secret named after the stage, same account
    mongodb_database: str
    tradingview_secret_arn: str | None
    tradingview_secret_fields: tuple[str, ...]
    tracked_symbols: tuple[str, ...]
    tracked_intervals: tuple[str, ...]
    alarm_email: str | None
    webhooks: tuple[Webhook, ...]
    log_level: str
    sync_worker_concurrency: int
    guardrails: Mapping[str, str]
    """The ``PQ_`` variables of the guardrail settings the context sets, for every function
    and the streamer (the rest keep the settings' defaults)."""

    @property
    def mongodb_secret_name(self) -> str:
        return c.DEFAULT_MONGODB_SECRET_NAME.format(stage=self.stage)

    @classmethod
    def from_context(cls, node: Node) -> StackSettings:
        def get(key: str) -> Any:
            value = node.try_get_context(key)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                try:
                    return json.loads(value)
                except json.JSONDecodeError as exc:
                    raise SettingsError(f"{key}: not valid JSON: {exc}") from exc
            return value

        return cls.from_values(get)

    @classmethod
    def from_values(cls, get: Callable[[str], Any]) -> StackSettings:
        stage = _text(get(c.CTX_STAGE), c.CTX_STAGE) or c.DEFAULT_STAGE
        if not _STAGE.match(stage):
            raise SettingsError(f"{c.CTX_STAGE}: {stage!r} must match {_STAGE.pattern}")
        return cls(
            stage=stage,
            mongodb_secret_arn=_secret_arn(get(c.CTX_MONGODB_SECRET_ARN), c.CTX_MONGODB_SECRET_ARN),
            mongodb_database=_text(get(c.CTX_MONGODB_DB), c.CTX_MONGODB_DB) or c.DEFAULT_MONGODB_DB,
            tradingview_secret_arn=_secret_arn(
                get(c.CTX_TRADINGVIEW_SECRET_ARN), c.CTX_TRADINGVIEW_SECRET_ARN
            ),
            tradingview_secret_fields=_fields(get(c.CTX_TRADINGVIEW_SECRET_FIELDS)),
            tracked_symbols=_symbols(get(c.CTX_SYMBOLS)),
            tracked_intervals=_intervals(get(c.CTX_INTERVALS)),
            alarm_email=_email(get(c.CTX_ALARM_EMAIL)),
            webhooks=_webhooks(get(c.CTX_WEBHOOKS)),
            log_level=(_text(get(c.CTX_LOG_LEVEL), c.CTX_LOG_LEVEL) or c.DEFAULT_LOG_LEVEL).upper(),
            sync_worker_concurrency=_concurrency(get(c.CTX_SYNC_CONCURRENCY)),
            guardrails=_guardrails(get(c.CTX_GUARDRAILS)),
        )


def _text(value: Any, key: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingsError(f"{key}: expected a string, got {value!r}")
    return value.strip()


def _string_list(value: Any, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
        raise SettingsError(f"{key}: expected a non-empty list of strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _secret_arn(value: Any, key: str) -> str | None:
    arn = _text(value, key)
    if arn is not None and not _SECRET_ARN.match(arn):
        raise SettingsError(f"{key}: {arn!r} is not a Secrets Manager secret ARN")
    return arn


def _fields(value: Any) -> tuple[str, ...]:
    key = c.CTX_TRADINGVIEW_SECRET_FIELDS
    fields = _string_list(value, key, c.DEFAULT_TRADINGVIEW_SECRET_FIELDS)
    bad = [f for f in fields if not _FIELD.match(f)]
    if bad:
        raise SettingsError(f"{key}: {bad} are not JSON keys of the form {_FIELD.pattern}")
    # Each key becomes PQ_TRADINGVIEW_<KEY>, which the settings must read.
    unread = [f for f in fields if f"{_TRADINGVIEW}{f}" not in Settings.model_fields]
    if unread:
        known = sorted(
            n.removeprefix(_TRADINGVIEW)
            for n in Settings.model_fields
            if n.startswith(_TRADINGVIEW)
        )
        raise SettingsError(f"{key}: {unread} are not TradingView settings (among {known})")
    return fields


def _symbols(value: Any) -> tuple[str, ...]:
    symbols = _string_list(value, c.CTX_SYMBOLS, c.DEFAULT_SYMBOLS)
    result: list[str] = []
    for symbol in symbols:
        try:
            result.append(Symbol.parse(symbol).key)  # the service's own rule
        except InvalidInput as exc:
            raise SettingsError(
                f"{c.CTX_SYMBOLS}: {symbol!r} is not EXCHANGE:SYMBOL: {exc}"
            ) from exc
    return tuple(dict.fromkeys(result))


def _intervals(value: Any) -> tuple[str, ...]:
    intervals = _string_list(value, c.CTX_INTERVALS, c.DEFAULT_INTERVALS)
    known = {i.value for i in Interval}
    bad = [i for i in intervals if i not in known]
    if bad:
        raise SettingsError(f"{c.CTX_INTERVALS}: {bad} not among {' '.join(sorted(known))}")
    return tuple(dict.fromkeys(intervals))


def _email(value: Any) -> str | None:
    email = _text(value, c.CTX_ALARM_EMAIL)
    if email is not None and not _EMAIL.match(email):
        raise SettingsError(f"{c.CTX_ALARM_EMAIL}: {email!r} is not an e-mail address")
    return email


def _webhooks(value: Any) -> tuple[Webhook, ...]:
    key = c.CTX_WEBHOOKS
    if value is None or value == "":
        return ()
    if not isinstance(value, list):
        raise SettingsError(f"{key}: expected a list of {{name, url, events}} objects")
    hooks: list[Webhook] = []
    for item in value:
        if not isinstance(item, dict):
            raise SettingsError(f"{key}: {item!r} is not an object")
        name, url = item.get("name"), item.get("url")
        events = item.get("events", list(c.EVENT_TYPES))
        if not isinstance(name, str) or not _WEBHOOK_NAME.match(name):
            raise SettingsError(f"{key}: name {name!r} must match {_WEBHOOK_NAME.pattern}")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise SettingsError(f"{key}: {name}: url must be an https:// URL")
        if not isinstance(events, list) or not events or not set(events) <= set(c.EVENT_TYPES):
            raise SettingsError(f"{key}: {name}: events must be a list among {c.EVENT_TYPES}")
        hooks.append(Webhook(name=name, url=url, event_types=tuple(events)))
    if len({h.name for h in hooks}) != len(hooks):
        raise SettingsError(f"{key}: webhook names must be unique")
    return tuple(hooks)


def _concurrency(value: Any) -> int:
    key = c.CTX_SYNC_CONCURRENCY
    if value is None or value == "":
        return c.DEFAULT_SYNC_CONCURRENCY
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{key}: {value!r} is not a whole number") from None
    if not 2 <= number <= 50:  # the SQS event source's maximum concurrency starts at 2
        raise SettingsError(f"{key}: {number} must be between 2 and 50")
    return number


def _guardrails(value: Any) -> dict[str, str]:
    key = c.CTX_GUARDRAILS
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SettingsError(f"{key}: expected an object of guardrail settings, got {value!r}")
    try:
        return guardrail_environment(value)
    except ValueError as exc:
        raise SettingsError(f"{key}: {exc}") from None
