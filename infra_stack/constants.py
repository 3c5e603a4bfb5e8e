"""Every name, default and fixed number of the stack, in one place.

What the code already states is taken from the code, not written again: environment
variable names and their defaults from ``config/settings.py``, event names from
``domain/events.py``, metric names from ``config/metric_names.py``, routes from
``openapi.json`` (``infra_stack/openapi_routes.py``), the stream's handler, routes and
metrics from ``config/stream_names.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from config import timeouts
from config.settings import Settings
from domain import events

SERVICE: Final = "pocketquant"
STACK_NAME_PREFIX: Final = "PocketQuant"  # the stack is "PocketQuant-<stage>"
REPO_ROOT: Final = Path(__file__).resolve().parent.parent
CDK_JSON: Final = REPO_ROOT / "cdk.json"
#: The API's routes and request models, generated from the handler (``make openapi``).
OPENAPI_DOCUMENT: Final = REPO_ROOT / "openapi.json"

# ---- context keys (cdk.json "context" or `cdk deploy -c key=value`) and their defaults
CTX_STAGE: Final = "stage"
CTX_MONGODB_SECRET_ARN: Final = "mongodbSecretArn"
CTX_MONGODB_DB: Final = "mongodbDatabase"
CTX_TRADINGVIEW_SECRET_ARN: Final = "tradingviewSecretArn"
CTX_TRADINGVIEW_SECRET_FIELDS: Final = "tradingviewSecretFields"
CTX_SYMBOLS: Final = "trackedSymbols"
CTX_INTERVALS: Final = "trackedIntervals"
CTX_ALARM_EMAIL: Final = "alarmEmail"
CTX_WEBHOOKS: Final = "webhooks"
CTX_LOG_LEVEL: Final = "logLevel"
CTX_SYNC_CONCURRENCY: Final = "syncWorkerConcurrency"
CTX_GUARDRAILS: Final = "guardrails"

DEFAULT_STAGE: Final = "dev"


def _setting_default(field: str) -> Any:
    return Settings.model_fields[field].default


DEFAULT_MONGODB_DB: Final[str] = _setting_default("mongodb_db")
#: With no ``mongodbSecretArn`` the stack uses the secret of this name (``{stage}`` filled
#: in) in the deployment's own account and region.
DEFAULT_MONGODB_SECRET_NAME: Final = "pocketquant/{stage}/mongodb-uri"
DEFAULT_TRADINGVIEW_SECRET_FIELDS: Final = ("username", "password")
DEFAULT_SYMBOLS: Final = ("NASDAQ:AAPL", "NASDAQ:MSFT", "BINANCE:BTCUSDT")
DEFAULT_INTERVALS: Final = ("1d", "1h")
DEFAULT_LOG_LEVEL: Final[str] = _setting_default("log_level")
DEFAULT_SYNC_CONCURRENCY: Final = 2


# ---- environment variables the code reads: each names a field of config/settings.py
def setting_env(field: str) -> str:
    """The variable ``config.settings.Settings`` reads ``field`` from (``PQ_<FIELD>``)."""
    if field not in Settings.model_fields:
        raise KeyError(f"config.settings.Settings has no field {field!r}")
    return f"{Settings.model_config.get('env_prefix', '')}{field}".upper()


ENV_MONGODB_SECRET_ARN: Final = setting_env("mongodb_secret_arn")
ENV_MONGODB_URI: Final = setting_env("mongodb_uri")  # only as an ECS secret, never a plain value
ENV_MONGODB_DB: Final = setting_env("mongodb_db")
ENV_REDIS_URL: Final = setting_env("redis_url")
ENV_EVENT_BUS_NAME: Final = setting_env("event_bus_name")
ENV_SYNC_QUEUE_URL: Final = setting_env("sync_queue_url")
ENV_TRADINGVIEW_SECRET_ARN: Final = setting_env("tradingview_secret_arn")
ENV_LOG_LEVEL: Final = setting_env("log_level")
ENV_API_KEY_USAGE_PLAN_ID: Final = setting_env("api_key_usage_plan_id")
ENV_STREAM_MANAGEMENT_URL: Final = setting_env("stream_management_url")
ENV_STREAM_URL: Final = setting_env("stream_url")
# Read by Powertools itself.
ENV_POWERTOOLS_SERVICE: Final = "POWERTOOLS_SERVICE_NAME"
ENV_POWERTOOLS_NAMESPACE: Final = "POWERTOOLS_METRICS_NAMESPACE"
ENV_POWERTOOLS_LOG_LEVEL: Final = "POWERTOOLS_LOG_LEVEL"

# ---- domain events on the bus (detail-type = the event's class name)
EVENT_TYPES: Final = tuple(
    name
    for name, value in vars(events).items()
    if isinstance(value, type)
    and issubclass(value, events.DomainEvent)
    and value is not events.DomainEvent
)

# ---- Lambda
LAMBDA_HANDLERS: Final = {
    "api": "functions.api.handler.handler",
    "sync-worker": "functions.sync_worker.handler.handler",
    "scheduler": "functions.scheduler.handler.handler",
}
LAMBDA_BUNDLING_IMAGE: Final = "public.ecr.aws/sam/build-python3.11"  # never pulled: local
API_TIMEOUT_SECONDS: Final = timeouts.API_FUNCTION_TIMEOUT_S
API_MEMORY_MB: Final = 1024
WORKER_TIMEOUT_SECONDS: Final = timeouts.WORKER_FUNCTION_TIMEOUT_S
WORKER_MEMORY_MB: Final = 1024
SCHEDULER_TIMEOUT_SECONDS: Final = timeouts.SCHEDULER_FUNCTION_TIMEOUT_S
SCHEDULER_MEMORY_MB: Final = 256

# ---- API Gateway
API_THROTTLE_RATE: Final = 20  # requests per second per key (the original: 200 per 10 s)
API_THROTTLE_BURST: Final = 200

# ---- sync queue
SYNC_BATCH_SIZE: Final = 5
SYNC_MAX_RECEIVES: Final = timeouts.SYNC_MAX_RECEIVES  # then the message goes to the DLQ
DLQ_RETENTION_DAYS: Final = 14
QUEUE_AGE_ALARM_SECONDS: Final = 1800

# ---- the stream: an API Gateway WebSocket API (routes and handler: config/stream_names.py)
STREAM_TIMEOUT_SECONDS: Final = timeouts.STREAM_FUNCTION_TIMEOUT_S
STREAM_MEMORY_MB: Final = 1024
# Stage throttling, across all clients. Client messages (subscribe, unsubscribe, ping) are
# few: a client sends a handful when it connects and a ping every few minutes.
STREAM_THROTTLE_RATE: Final = 100  # messages per second
STREAM_THROTTLE_BURST: Final = 200
# $connect alone, well under the 500 new connections per second API Gateway allows an
# account (shared with every other WebSocket API there), so a reconnect storm after a
# deploy is refused with 429 here rather than starving the account.
STREAM_CONNECT_THROTTLE_RATE: Final = 50  # new connections per second
STREAM_CONNECT_THROTTLE_BURST: Final = 100
# Alarms
STREAM_EXECUTION_ERRORS_ALARM: Final = 5  # per 5 minutes
STREAM_FANOUT_ERRORS_ALARM: Final = 10  # per 5 minutes
STREAM_STALLED_MINUTES: Final = 10  # connections open, nothing sent to any of them

# ---- streamer
STREAMER_DIRECTORY: Final = "streamer"
STREAMER_DOCKERFILE: Final = "streamer/Dockerfile"
# The container's command and where it answers its health check: the CLI's and the
# streamer's own (tests/infra/test_derived_facts.py ties them).
STREAMER_COMMAND: Final = ("pocketquant", "streamer")
STREAMER_HEALTH_PORT: Final = 8080
STREAMER_HEALTH_PATH: Final = "/health"
STREAMER_CPU: Final = 512
STREAMER_MEMORY_MB: Final = 1024
#: Kept out of the Docker build context (the repository root; streamer/Dockerfile copies
#: pyproject.toml, README.md and the packages), so unrelated changes rebuild no image.
STREAMER_CONTEXT_EXCLUDES: Final = (
    ".git",
    ".venv",
    "node_modules",
    "cdk.out",
    ".pocketquant",
    ".ci",
    "**/__pycache__",
    "**/*.pyc",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "*.egg-info",
    "build",
    "tests",
    "infra_stack",
    "layers",
    "bench",
    "app.py",
    "cdk.json",
    "Makefile",
    "package.json",
    "package-lock.json",
    "openapi.json",
    ".gitignore",
    ".env",
    ".pre-commit-config.yaml",
)

# ---- cache: Valkey (Redis-compatible) serverless: TLS always on, ~1/10 the minimum cost
#: of serverless Redis OSS (100 MB minimum storage instead of 1 GB).
CACHE_ENGINE: Final = "valkey"
CACHE_MAJOR_VERSION: Final = "8"
CACHE_PORT: Final = 6379
CACHE_MAX_STORAGE_GB: Final = 5
CACHE_MAX_ECPU_PER_SECOND: Final = 20000

# ---- webhooks (EventBridge API destinations)
WEBHOOK_TOKEN_HEADER: Final = "X-PocketQuant-Token"
WEBHOOK_RATE_PER_SECOND: Final = 10


def resource_name(stage: str, part: str) -> str:
    """The physical name of one resource: ``pocketquant-<stage>-<part>``."""
    return f"{SERVICE}-{stage}-{part}"


def stack_name(stage: str) -> str:
    return f"{STACK_NAME_PREFIX}-{stage}"
