"""All ``PQ_`` settings in one pydantic object. No other module reads the environment."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import Field, SecretStr, TypeAdapter, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from config import timeouts

TRADINGVIEW_URL = "wss://data.tradingview.com/socket.io/websocket?from=chart&type=chart"
TRADINGVIEW_SIGNIN_URL = "https://www.tradingview.com/accounts/signin/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PQ_", extra="ignore")

    data_dir: Path = Field(Path("./.pocketquant"), description="Where embedded state lives.")
    mongodb_uri: SecretStr | None = Field(None, description="MongoDB bar store; SQLite if unset.")
    mongodb_db: str = Field("pocketquant", description="MongoDB database name.")
    mongodb_secret_arn: str | None = Field(
        None, description="Secrets Manager ARN holding the MongoDB URI (on AWS)."
    )
    redis_url: SecretStr | None = Field(None, description="Redis; in-process state if unset.")
    tradingview_url: str = Field(TRADINGVIEW_URL, description="TradingView websocket URL.")
    tradingview_origin: str = Field("https://www.tradingview.com", description="Origin header.")
    tradingview_username: str | None = None
    tradingview_password: SecretStr | None = None
    tradingview_token: SecretStr | None = None
    tradingview_secret_arn: str | None = Field(
        None, description="Secrets Manager ARN holding TradingView credentials (on AWS)."
    )
    tradingview_timeout: float = Field(
        timeouts.TRADINGVIEW_REPLY_TIMEOUT_S, gt=0, description="Seconds to wait for a reply."
    )
    sync_deadline: float = Field(
        timeouts.INLINE_SYNC_DEADLINE_S,
        gt=0,
        le=timeouts.INLINE_SYNC_DEADLINE_S,
        description="Seconds an inline sync may fetch before it gives up (503).",
    )
    tradingview_signin_url: str = Field(
        TRADINGVIEW_SIGNIN_URL, description="Where to sign in (point it at the simulator's)."
    )
    tradingview_token_lifetime: float = Field(
        3600.0, gt=0, description="Seconds a signed-in token lives when it has no exp claim."
    )
    tradingview_signin_backoff: float = Field(
        300.0, gt=0, description="Seconds nobody signs in after a failed sign-in (doubling)."
    )
    tradingview_signin_backoff_cap: float = Field(
        3600.0, gt=0, description="The longest sign-in back-off."
    )
    tradingview_requests_per_minute: float = Field(
        60.0, gt=0, description="The deployment's budget of TradingView requests a minute."
    )
    tradingview_request_burst: int = Field(
        10, ge=1, description="Requests the budget allows at once after a quiet spell."
    )
    tradingview_queued_budget_wait: float = Field(
        20.0, ge=0, description="Seconds a queued sync waits for the budget before retrying."
    )
    tradingview_breaker_threshold: int = Field(
        3, ge=1, description="TradingView refusals in a row that open the circuit breaker."
    )
    tradingview_breaker_cooloff: float = Field(
        300.0, gt=0, description="Seconds the breaker stays open before one probe."
    )
    tradingview_breaker_probe_timeout: float = Field(
        120.0, gt=0, description="Seconds a probe may take before another caller probes."
    )
    api_key: SecretStr | None = Field(None, description="Required x-api-key locally when set.")
    event_bus_name: str | None = Field(None, description="EventBridge bus; in-process if unset.")
    sync_queue_url: str | None = Field(None, description="SQS queue of background sync jobs.")
    log_level: str = Field("INFO", description="Log level of every component.")
    stream_url: str | None = Field(
        None,
        description="The stream's ws:// or wss:// URL the chart page connects to; "
        "the page's own host's /stream when unset.",
    )
    api_key_usage_plan_id: str | None = Field(
        None, description="On AWS: the usage plan whose API keys the stream's $connect accepts."
    )
    stream_management_url: str | None = Field(
        None, description="On AWS: the stream stage's API Gateway Management API endpoint."
    )

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "bars.sqlite3"


GUARDRAIL_FIELDS: Final = (
    "tradingview_token_lifetime",
    "tradingview_signin_backoff",
    "tradingview_signin_backoff_cap",
    "tradingview_requests_per_minute",
    "tradingview_request_burst",
    "tradingview_queued_budget_wait",
    "tradingview_breaker_threshold",
    "tradingview_breaker_cooloff",
    "tradingview_breaker_probe_timeout",
)
"""The settings that tune the guardrails protecting the TradingView account; a deployment
sets them through the CDK context key ``guardrails`` (see :func:`guardrail_environment`)."""


def env_name(field: str) -> str:
    """The environment variable of a settings field: ``PQ_`` and the name in capitals."""
    return f"{Settings.model_config['env_prefix']}{field.upper()}"


def guardrail_key(field: str) -> str:
    """A guardrail setting's key in the ``guardrails`` context object: camelCase."""
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)


def guardrail_environment(values: Mapping[str, Any]) -> dict[str, str]:
    """The ``PQ_`` variables of guardrail settings given by their camelCase keys, each value
    checked by the settings field's own rule. ``ValueError`` names the key at fault."""
    by_key = {guardrail_key(field): field for field in GUARDRAIL_FIELDS}
    unknown = sorted(set(values) - set(by_key))
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)}: not guardrail settings (among {', '.join(by_key)})"
        )
    environment: dict[str, str] = {}
    for key, value in values.items():
        field = Settings.model_fields[by_key[key]]
        if isinstance(value, bool):
            raise ValueError(f"{key}: expected a number, got {value!r}")
        try:
            rule: TypeAdapter[Any] = TypeAdapter(Annotated[field.annotation, field])  # type: ignore[arg-type]
            checked = rule.validate_python(value)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise ValueError(f"{key}: {value!r}: {reason}") from None
        environment[env_name(by_key[key])] = str(checked)
    return environment


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
