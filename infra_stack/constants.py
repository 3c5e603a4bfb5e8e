"""Every name, default and fixed number of the stack, in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Final

SERVICE: Final = "pocketquant"
STACK_NAME_PREFIX: Final = "PocketQuant"  # the stack is "PocketQuant-<stage>"
REPO_ROOT: Final = Path(__file__).resolve().parent.parent
CDK_JSON: Final = REPO_ROOT / "cdk.json"

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

DEFAULT_STAGE: Final = "dev"
DEFAULT_MONGODB_DB: Final = "pocketquant"
#: With no ``mongodbSecretArn`` the stack uses the secret of this name (``{stage}`` filled
#: in) in the deployment's own account and region.
DEFAULT_MONGODB_SECRET_NAME: Final = "pocketquant/{stage}/mongodb-uri"
DEFAULT_TRADINGVIEW_SECRET_FIELDS: Final = ("username", "password")
DEFAULT_SYMBOLS: Final = ("NASDAQ:AAPL", "NASDAQ:MSFT", "BINANCE:BTCUSDT")
DEFAULT_INTERVALS: Final = ("1d", "1h")
DEFAULT_LOG_LEVEL: Final = "INFO"
DEFAULT_SYNC_CONCURRENCY: Final = 2

# ---- environment variables the code reads (config/settings.py, prefix PQ_)
ENV_MONGODB_SECRET_ARN: Final = "PQ_MONGODB_SECRET_ARN"
ENV_MONGODB_URI: Final = "PQ_MONGODB_URI"  # only as an ECS secret, never a plain value
ENV_MONGODB_DB: Final = "PQ_MONGODB_DB"
ENV_REDIS_URL: Final = "PQ_REDIS_URL"
ENV_EVENT_BUS_NAME: Final = "PQ_EVENT_BUS_NAME"
ENV_SYNC_QUEUE_URL: Final = "PQ_SYNC_QUEUE_URL"
ENV_TRADINGVIEW_SECRET_ARN: Final = "PQ_TRADINGVIEW_SECRET_ARN"
ENV_TRADINGVIEW_PREFIX: Final = "PQ_TRADINGVIEW_"  # + field name, as ECS secrets
ENV_LOG_LEVEL: Final = "PQ_LOG_LEVEL"
ENV_STAGE: Final = "PQ_STAGE"
ENV_POWERTOOLS_SERVICE: Final = "POWERTOOLS_SERVICE_NAME"
ENV_POWERTOOLS_NAMESPACE: Final = "POWERTOOLS_METRICS_NAMESPACE"
ENV_POWERTOOLS_LOG_LEVEL: Final = "POWERTOOLS_LOG_LEVEL"

# ---- CloudWatch (EMF) metrics the code emits: namespace and metric names
# (functions/common/observability.py, functions/scheduler/handler.py, the streamer)
METRICS_NAMESPACE: Final = "PocketQuant"
METRIC_BARS_SYNCED: Final = "BarsSynced"
METRIC_SYNC_FAILURES: Final = "SyncFailures"
METRIC_SYNC_JOBS_SCHEDULED: Final = "SyncJobsScheduled"
METRIC_CACHE_HITS: Final = "CacheHits"
METRIC_CACHE_MISSES: Final = "CacheMisses"
METRIC_CACHE_ERRORS: Final = "CacheErrors"
METRIC_STREAMER_TICKS: Final = "StreamerTicks"  # Count, one per tick received
METRIC_STREAMER_RECONNECTS: Final = "StreamerReconnects"  # Count
METRIC_STREAMER_LAG: Final = "StreamerLagMs"  # Milliseconds, receive time - exchange time
METRIC_STREAMER_BARS_COMPLETED: Final = "StreamerBarsCompleted"
METRIC_STREAMER_STATE_ERRORS: Final = "StreamerStateWriteErrors"
METRIC_STREAMER_STORE_ERRORS: Final = "StreamerStoreWriteErrors"

# ---- domain events on the bus (detail-type = the event's class name)
EVENT_TYPES: Final = ("BarsSynced", "SyncFailed", "BarCompleted")

# ---- Lambda
LAMBDA_HANDLERS: Final = {
    "api": "functions.api.handler.handler",
    "sync-worker": "functions.sync_worker.handler.handler",
    "scheduler": "functions.scheduler.handler.handler",
}
LAMBDA_BUNDLING_IMAGE: Final = "public.ecr.aws/sam/build-python3.11"  # never pulled: local
API_TIMEOUT_SECONDS: Final = 29  # API Gateway's integration limit
API_MEMORY_MB: Final = 1024
WORKER_TIMEOUT_SECONDS: Final = 300  # a paged backfill of one series
WORKER_MEMORY_MB: Final = 1024
SCHEDULER_TIMEOUT_SECONDS: Final = 60
SCHEDULER_MEMORY_MB: Final = 256

# ---- API Gateway
API_THROTTLE_RATE: Final = 20  # requests per second per key (the original: 200 per 10 s)
API_THROTTLE_BURST: Final = 200
HEALTH_PATH: Final = "health"

# ---- sync queue
SYNC_BATCH_SIZE: Final = 5
SYNC_MAX_RECEIVES: Final = 3  # then the message goes to the DLQ
DLQ_RETENTION_DAYS: Final = 14
QUEUE_AGE_ALARM_SECONDS: Final = 1800

# ---- streamer
STREAMER_DIRECTORY: Final = "streamer"
STREAMER_DOCKERFILE: Final = "streamer/Dockerfile"
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
