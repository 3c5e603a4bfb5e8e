"""The OpenAPI document: generated from the code, committed at the repository root, served
at /openapi.json, and true of the API (a property-based run finds no 5xx and no response
that breaks it)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from pydantic import SecretStr
from schemathesis.config import SchemathesisConfig

from application.background import SyncJob
from config.settings import Settings
from functions.api.handler import handler
from functions.api.openapi import document_text
from local.gateway import RunningGateway, serve
from local.simulator_thread import RunningSimulator
from simulator.config import SimulatorConfig
from tests.api_support import SIM_NOW, ApiClient, installed_services
from wiring.services import get_services

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"
API_KEY = "schemathesis-key"


def test_the_committed_openapi_json_is_current() -> None:
    assert COMMITTED.read_text() == document_text(), (
        "openapi.json is stale: run `make openapi` (python -m functions.api.openapi > openapi.json)"
    )


def test_the_handler_serves_the_document_and_swagger_ui(tmp_path: Path) -> None:
    with installed_services(Settings(data_dir=tmp_path)):
        api = ApiClient()
        served = api.get("/openapi.json")
        assert served.status == 200
        assert served.json() == json.loads(COMMITTED.read_text())
        docs = api.get("/docs")
        assert docs.status == 200 and docs.headers["content-type"].startswith("text/html")
        assert b"swagger" in docs.body.lower()


class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[SyncJob] = []

    def enqueue(self, job: SyncJob) -> None:
        self.jobs.append(job)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    """The local gateway in front of the handler, the simulator as TradingView."""
    with RunningSimulator(SimulatorConfig(now=SIM_NOW, symbol_error_delay=0.0)) as simulator:
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("schemathesis"),
            tradingview_url=simulator.url,
            tradingview_timeout=5,
            api_key=SecretStr(API_KEY),
        )
        with installed_services(settings):
            get_services().set_sync_queue(RecordingQueue())
            with serve(handler, settings=settings) as running:
                yield running


CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20240315,
        "generation": {"max-examples": 30},
        # Every undeclared method, the draft QUERY too, reaches the handler through the
        # local gateway: 405.
        "phases": {
            "coverage": {
                "unexpected-methods": [
                    "get",
                    "put",
                    "post",
                    "delete",
                    "options",
                    "patch",
                    "trace",
                    "query",
                ]
            }
        },
        "operations": [
            {
                # Two valid dates may still make an empty range (start after end): 422.
                "include-operation-id": "getOhlcv",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "401", "403", "404", "422"]
                    }
                },
            }
        ],
    }
)
schema = schemathesis.openapi.from_path(COMMITTED, config=CONFIG)


def test_trace_is_a_405_naming_the_allowed_methods(gateway: RunningGateway) -> None:
    response = httpx.request(
        "TRACE", f"{gateway.url}/market-data/sync", headers={"x-api-key": API_KEY}
    )

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json()["error"]["code"] == "method_not_allowed"


@schema.parametrize()
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_the_api_keeps_its_openapi_promises(
    case: schemathesis.Case[Any], gateway: RunningGateway
) -> None:
    if case.headers and "Idempotency-Key" in case.headers:
        # Generated keys repeat across unrelated bodies, which the API rightly refuses (422);
        # that behaviour has its own tests. Here every case is a new request.
        unique = uuid.uuid4().hex
        case.headers["Idempotency-Key"] = case.headers["Idempotency-Key"][: 255 - 33] + "-" + unique
    case.call_and_validate(base_url=gateway.url, headers={"x-api-key": API_KEY})
