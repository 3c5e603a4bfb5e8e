"""EMF metric lines: printed on every Lambda invocation, kept out of the local stack's console
unless it is asked for them (``pocketquant run --metrics``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from config.settings import Settings
from functions.api.handler import handler
from local.lambda_context import LocalLambdaContext
from local.proxy_event import HttpRequest, proxy_event
from local.stack import Feed, LocalStack, StackOptions
from tests.api_support import installed_services

SYNC = {"symbol": "AAPL", "exchange": "NASDAQ", "interval": "1d", "n_bars": 20}


def _emf_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def _use_the_stack(stack: LocalStack) -> None:
    """A read, a sync and a background job: each handler of the stack runs once."""
    with httpx.Client(base_url=stack.url, timeout=20) as http:
        assert http.get("/health").status_code == 200
        assert http.post("/market-data/sync", json=SYNC).status_code == 200
        background = {**SYNC, "symbol": "MSFT"}
        assert http.post("/market-data/sync/background", json=background).status_code == 202
    assert stack.queue is not None and stack.queue.wait_idle(10)


def _lambda_invocation(tmp_path: Path) -> None:
    with installed_services(Settings(data_dir=tmp_path / "lambda")):
        event = proxy_event(HttpRequest("GET", "/health", [], b"", "127.0.0.1"))
        assert handler(event, LocalLambdaContext("pocketquant-api"))["statusCode"] == 200


def test_the_local_stack_prints_no_metrics_but_lambda_still_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = StackOptions(port=0, feed=Feed.SIMULATOR, scheduler=False, retry_delay_s=0)
    with LocalStack(Settings(data_dir=tmp_path), options) as stack:
        capsys.readouterr()
        _use_the_stack(stack)
        local = capsys.readouterr().out
        assert stack.streamer is not None
        assert stack.streamer.streamer.config.metrics_interval == 0  # no streamer lines either

    _lambda_invocation(tmp_path)
    in_lambda = capsys.readouterr().out

    assert _emf_lines(local) == []
    [document] = [d for d in _emf_lines(in_lambda) if "RequestLatency" in d]
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PocketQuant"


def test_the_local_stack_prints_metrics_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = StackOptions(
        port=0, feed=Feed.SIMULATOR, scheduler=False, retry_delay_s=0, metrics=True
    )
    with LocalStack(Settings(data_dir=tmp_path), options) as stack:
        capsys.readouterr()
        _use_the_stack(stack)
        local = capsys.readouterr().out
        assert stack.streamer is not None and stack.streamer.streamer.config.metrics_interval > 0

    synced = [d for d in _emf_lines(local) if d.get("BarsSynced") == [20.0]]
    assert len(synced) == 2  # the api's sync and the sync-worker's job
    assert ["RequestLatency" in d for d in synced] == [True, False]
