"""Secrets: those of the settings registered for redaction, and those named by ARN read
from Secrets Manager once per container.

On AWS the settings carry ``PQ_MONGODB_SECRET_ARN`` and ``PQ_TRADINGVIEW_SECRET_ARN``
instead of the values. They are fetched through Powertools Parameters (cached for
``MAX_AGE_S``) and folded into a copy of the settings as ``SecretStr``; nothing here logs
a value. A secret is either the bare value or a JSON object with the fields below.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from config.redaction import register_secret, register_url_secret
from domain.errors import FeedUnavailable, StoreUnavailable

if TYPE_CHECKING:
    from config.settings import Settings

MAX_AGE_S = 300
MONGODB_FIELDS = ("uri", "connection_string", "MONGODB_URI")


def _fetch(arn: str) -> str:
    from aws_lambda_powertools.utilities import parameters

    found = parameters.get_secret(arn, max_age=MAX_AGE_S)
    value = found if isinstance(found, str) else bytes(found).decode()
    register_secret(value)
    return value


def _as_object(raw: str) -> dict[str, Any] | None:
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _mongodb_uri(raw: str) -> str:
    found = _as_object(raw)
    if found is None:
        return raw.strip()
    for field in MONGODB_FIELDS:
        if isinstance(found.get(field), str):
            return str(found[field])
    raise StoreUnavailable(f"the MongoDB secret has none of the fields {', '.join(MONGODB_FIELDS)}")


def _tradingview(raw: str) -> dict[str, Any]:
    found = _as_object(raw)
    if found is None:
        return {"tradingview_token": SecretStr(raw.strip())}
    updates: dict[str, Any] = {}
    if isinstance(found.get("username"), str):
        updates["tradingview_username"] = found["username"]
    if isinstance(found.get("password"), str):
        updates["tradingview_password"] = SecretStr(found["password"])
    if isinstance(found.get("token"), str):
        updates["tradingview_token"] = SecretStr(found["token"])
    return updates


def register_settings_secrets(settings: Settings) -> None:
    """Mask every secret the settings hold, wherever text is written out."""
    register_secret(settings.api_key)
    register_url_secret(settings.mongodb_uri)
    register_url_secret(settings.redis_url)
    register_secret(settings.tradingview_password)
    register_secret(settings.tradingview_token)


def with_mongodb_secret(settings: Settings) -> Settings:
    """``settings`` with the MongoDB URI from its secret ARN, when it names one."""
    if not settings.mongodb_secret_arn or settings.mongodb_uri is not None:
        return settings
    try:
        raw = _fetch(settings.mongodb_secret_arn)
    except Exception as error:  # boto errors and Powertools' GetParameterError alike
        raise StoreUnavailable(
            f"cannot read the MongoDB secret {settings.mongodb_secret_arn}: {type(error).__name__}"
        ) from None
    uri = _mongodb_uri(raw)
    register_url_secret(uri)
    return settings.model_copy(update={"mongodb_uri": SecretStr(uri)})


def with_tradingview_secret(settings: Settings) -> Settings:
    """``settings`` with the TradingView credentials from its secret ARN, when it names one."""
    if not settings.tradingview_secret_arn:
        return settings
    try:
        raw = _fetch(settings.tradingview_secret_arn)
    except Exception as error:
        raise FeedUnavailable(
            f"cannot read the TradingView secret {settings.tradingview_secret_arn}: "
            f"{type(error).__name__}"
        ) from None
    updates = _tradingview(raw)
    for value in updates.values():
        register_secret(value if isinstance(value, SecretStr) else None)
    return settings.model_copy(update=updates)
