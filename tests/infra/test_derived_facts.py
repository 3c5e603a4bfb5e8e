"""Facts the stack shares with the code, pinned to the code: the variables the settings
read, their defaults, the events the publisher sends, the symbol rule, timeouts, retries,
the handlers, the streamer's command and health check, and what the local gateway does in
API Gateway's place."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import re
import tomllib
from typing import Any

import pytest

from adapters.events.eventbridge import EventBridgePublisher
from adapters.queue.in_process import InProcessSyncQueue
from adapters.stores.mongo_store import CLIENT_DEFAULTS
from cli.main import build_parser
from config import stream_names, timeouts
from config.settings import Settings
from domain.bars import Bar, SeriesKey
from domain.events import BarCompleted, BarsSynced, DomainEvent, SyncFailed
from domain.intervals import Interval
from domain.symbols import Symbol
from functions.sync_worker.worker import SyncWorker
from infra_stack import constants as c
from infra_stack.openapi_routes import API_GATEWAY_KEY_HEADER, load
from infra_stack.settings import SettingsError, StackSettings
from local import api_gateway
from local.proxy_event import HttpRequest
from streamer.cli import run_streamer_command
from streamer.health import HealthServer
from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.infra

PREFIX = Settings.model_config.get("env_prefix", "")


def _environments(full: Synthesized) -> list[dict[str, Any]]:
    """The plain environment of every function and of the streamer's container."""
    found = [
        f["Properties"]["Environment"]["Variables"]
        for f in full.resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").startswith("functions.")
    ]
    (task,) = full.resources("AWS::ECS::TaskDefinition").values()
    (container,) = task["Properties"]["ContainerDefinitions"]
    found.append({e["Name"]: e["Value"] for e in container["Environment"]})
    found.append({s["Name"]: s["ValueFrom"] for s in container["Secrets"]})
    return found


# ---- settings


def test_every_variable_the_stack_sets_for_the_code_is_read_by_the_settings(
    full: Synthesized,
) -> None:
    names = {name for env in _environments(full) for name in env if name.startswith(PREFIX)}
    assert c.ENV_REDIS_URL in names and c.ENV_MONGODB_URI in names  # functions and container
    unread = {n for n in names if n.removeprefix(PREFIX).lower() not in Settings.model_fields}
    assert unread == set()


def test_the_settings_read_what_the_stack_sets(
    defaults: Synthesized, monkeypatch: pytest.MonkeyPatch
) -> None:
    (api,) = (
        f["Properties"]["Environment"]["Variables"]
        for f in defaults.resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == c.LAMBDA_HANDLERS["api"]
    )
    plain = {name: value for name, value in api.items() if isinstance(value, str)}
    for name, value in plain.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.mongodb_db == plain[c.ENV_MONGODB_DB] == Settings().mongodb_db
    assert settings.log_level == plain[c.ENV_LOG_LEVEL]
    monkeypatch.delenv(c.ENV_MONGODB_DB)
    monkeypatch.delenv(c.ENV_LOG_LEVEL)
    unset = Settings()
    assert (unset.mongodb_db, unset.log_level) == (c.DEFAULT_MONGODB_DB, c.DEFAULT_LOG_LEVEL)


def test_tradingview_secret_fields_must_be_settings_the_code_reads() -> None:
    token = StackSettings.from_values({c.CTX_TRADINGVIEW_SECRET_FIELDS: ["token"]}.get)
    assert token.tradingview_secret_fields == ("token",)
    assert c.setting_env("tradingview_token") == "PQ_TRADINGVIEW_TOKEN"
    with pytest.raises(SettingsError, match="user"):
        StackSettings.from_values({c.CTX_TRADINGVIEW_SECRET_FIELDS: ["user"]}.get)
    with pytest.raises(KeyError, match="tradingview_user"):
        c.setting_env("tradingview_user")


def test_tracked_symbols_follow_the_services_own_symbol_rule() -> None:
    settings = StackSettings.from_values({c.CTX_SYMBOLS: "nyse:brk.b, CME_MINI:NQ1!"}.get)
    assert settings.tracked_symbols == ("NYSE:BRK.B", "CME_MINI:NQ1!")
    for bad in ("NASDAQ:AA PL", "NASDAQ:", "AAPL", "A:B:C", f"NASDAQ:{'A' * 41}"):
        with pytest.raises(SettingsError, match=c.CTX_SYMBOLS):
            StackSettings.from_values({c.CTX_SYMBOLS: [bad]}.get)


# ---- events, timeouts, retries, handlers


class RecordingEvents:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.entries.extend(Entries)
        return {"Entries": [{"EventId": str(i)} for i, _ in enumerate(Entries)]}


def test_webhook_event_types_are_the_detail_types_the_publisher_sends() -> None:
    key = SeriesKey(Symbol("NASDAQ", "AAPL"), Interval.D1)
    events: list[DomainEvent] = [
        BarsSynced(1.0, key, 1, 1, 0, 0),
        SyncFailed(1.0, key, "symbol_not_found", "no such symbol"),
        BarCompleted(1.0, key, Bar(0, 1, 1, 1, 1, 0)),
    ]
    assert {type(event).__name__ for event in events} == {
        cls.__name__ for cls in DomainEvent.__subclasses__()
    }
    client = RecordingEvents()
    EventBridgePublisher("bus", client=client).publish(events)  # type: ignore[arg-type]
    assert [entry["DetailType"] for entry in client.entries] == list(c.EVENT_TYPES)


def test_work_inside_an_api_request_times_out_before_api_gateway_does(full: Synthesized) -> None:
    (api,) = (
        f["Properties"]
        for f in full.resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == c.LAMBDA_HANDLERS["api"]
    )
    assert api["Timeout"] == c.API_TIMEOUT_SECONDS
    limit_ms = c.API_TIMEOUT_SECONDS * 1000
    for option in ("serverSelectionTimeoutMS", "connectTimeoutMS", "socketTimeoutMS"):
        assert CLIENT_DEFAULTS[option] < limit_ms, option
    assert Settings.model_fields["tradingview_timeout"].default < c.API_TIMEOUT_SECONDS


def _function_timeouts(full: Synthesized) -> dict[str, int]:
    """Each function's timeout in the template, by its handler."""
    return {
        f["Properties"]["Handler"]: f["Properties"]["Timeout"]
        for f in full.resources("AWS::Lambda::Function").values()
        if "Handler" in f["Properties"] and "Timeout" in f["Properties"]
    }


def test_every_function_timeout_is_the_one_written_in_config_timeouts(full: Synthesized) -> None:
    found = _function_timeouts(full)
    assert found[c.LAMBDA_HANDLERS["api"]] == timeouts.API_FUNCTION_TIMEOUT_S
    assert found[c.LAMBDA_HANDLERS["sync-worker"]] == timeouts.WORKER_FUNCTION_TIMEOUT_S
    assert found[c.LAMBDA_HANDLERS["scheduler"]] == timeouts.SCHEDULER_FUNCTION_TIMEOUT_S
    assert found[stream_names.HANDLER] == timeouts.STREAM_FUNCTION_TIMEOUT_S
    (queue,) = (
        q["Properties"]
        for q in full.resources("AWS::SQS::Queue").values()
        if "RedrivePolicy" in q["Properties"]
        and q["Properties"]["RedrivePolicy"]["maxReceiveCount"] == timeouts.SYNC_MAX_RECEIVES
        and q["Properties"].get("VisibilityTimeout") == timeouts.SYNC_VISIBILITY_TIMEOUT_S
    )
    assert queue


def test_each_deadline_ends_before_what_would_cut_it_off() -> None:
    """A reply timeout inside the inline deadline, which leaves time to answer before API
    Gateway's 504; a background deadline before its Lambda is killed; the settings' defaults
    are these numbers."""
    assert (
        timeouts.TRADINGVIEW_REPLY_TIMEOUT_S
        < timeouts.INLINE_SYNC_DEADLINE_S
        < timeouts.API_FUNCTION_TIMEOUT_S
        <= timeouts.API_GATEWAY_INTEGRATION_LIMIT_S
    )
    assert timeouts.BACKGROUND_SYNC_DEADLINE_S < timeouts.WORKER_FUNCTION_TIMEOUT_S
    assert timeouts.SYNC_VISIBILITY_TIMEOUT_S >= 6 * timeouts.WORKER_FUNCTION_TIMEOUT_S
    fields = Settings.model_fields
    assert fields["tradingview_timeout"].default == timeouts.TRADINGVIEW_REPLY_TIMEOUT_S
    assert fields["sync_deadline"].default == timeouts.INLINE_SYNC_DEADLINE_S
    worker = inspect.signature(SyncWorker).parameters
    assert worker["deadline_s"].default == timeouts.BACKGROUND_SYNC_DEADLINE_S
    assert worker["max_receives"].default == timeouts.SYNC_MAX_RECEIVES


def test_the_local_queue_tries_a_job_as_often_as_sqs_before_dead_lettering() -> None:
    default = inspect.signature(InProcessSyncQueue).parameters["max_receive_count"].default
    assert default == c.SYNC_MAX_RECEIVES


def test_every_lambda_handler_names_a_function_of_the_code() -> None:
    for name, dotted in c.LAMBDA_HANDLERS.items():
        module, _, attribute = dotted.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attribute)), name


# ---- the streamer's container


def test_the_container_command_is_the_clis_streamer_on_the_health_port() -> None:
    program, *arguments = c.STREAMER_COMMAND
    scripts = tomllib.loads((c.REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[program] == "cli.main:main"
    args = build_parser().parse_args(arguments)
    assert args.handler is run_streamer_command
    assert args.health_port == c.STREAMER_HEALTH_PORT
    dockerfile = (c.REPO_ROOT / c.STREAMER_DOCKERFILE).read_text()
    assert f"CMD {json.dumps(list(c.STREAMER_COMMAND))}" in dockerfile
    assert re.search(rf"^EXPOSE {c.STREAMER_HEALTH_PORT}$", dockerfile, re.MULTILINE)
    assert f":{c.STREAMER_HEALTH_PORT}{c.STREAMER_HEALTH_PATH}'" in dockerfile


async def _status_of(port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: task\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(head.split()[1])


async def test_the_streamer_answers_the_health_path_the_task_probes() -> None:
    server = HealthServer(lambda: (True, {}), "127.0.0.1", 0)
    await server.start()
    try:
        assert await _status_of(server.port, c.STREAMER_HEALTH_PATH) == 200
        assert await _status_of(server.port, "/healthz") == 404
    finally:
        await server.close()


# ---- the local gateway stands in for API Gateway


def _gateway_codes(full: Synthesized) -> dict[str, str]:
    """The error code of each response API Gateway answers itself, by response type."""
    codes = {}
    for response in full.resources("AWS::ApiGateway::GatewayResponse").values():
        body = response["Properties"]["ResponseTemplates"]["application/json"]
        match = re.search(r'"code": "([a-z_]+)"', body)
        assert match is not None, body
        codes[response["Properties"]["ResponseType"]] = match.group(1)
    return codes


def test_the_local_gateway_leaves_open_what_api_gateway_leaves_open() -> None:
    routes = load().routes
    assert {f"/{r.path}" for r in routes if not r.api_key_required} == api_gateway.OPEN_PATHS
    assert api_gateway.API_KEY_HEADER == API_GATEWAY_KEY_HEADER


def test_the_local_gateway_answers_with_api_gateways_error_codes(full: Synthesized) -> None:
    codes = _gateway_codes(full)

    def failing(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    request = HttpRequest("GET", "/quotes/status", [], b"", "127.0.0.1")
    keyed = api_gateway.LocalApiGateway(failing, api_key="k")
    answers = {
        "INVALID_API_KEY": keyed.respond(request),
        "REQUEST_TOO_LARGE": keyed.refuse_oversized(request),
        "INTEGRATION_FAILURE": api_gateway.LocalApiGateway(failing).respond(request),
    }
    for response_type, answer in answers.items():
        assert json.loads(answer.body)["error"]["code"] == codes[response_type], response_type


def test_the_image_build_context_keeps_everything_the_dockerfile_copies() -> None:
    dockerfile = (c.REPO_ROOT / c.STREAMER_DOCKERFILE).read_text()
    copied = {
        source
        for line in dockerfile.splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
    }
    assert "streamer" in copied and "config" in copied
    assert all((c.REPO_ROOT / source).exists() for source in copied)
    assert copied & set(c.STREAMER_CONTEXT_EXCLUDES) == set()
