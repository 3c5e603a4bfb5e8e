"""The sync-worker's EMF metrics on fakes: a failed cache invalidation is a CacheErrors.

A sync-worker container imports the sync-worker handler and nothing of the api function,
so the first test runs one in a fresh interpreter: in this process the api handler, which
counts the same failures, may already be imported by other tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from application.background import SyncJob
from config.settings import Settings
from domain.bars import Bar
from local.lambda_context import LocalLambdaContext
from tests.fakes import FakeBarStore, FakeFeed
from tests.fixtures.aws import sqs_event
from tests.unit.test_api_query_cache import BrokenCache
from wiring.services import Services, use_services

REPO = Path(__file__).resolve().parents[2]
BARS = [Bar(1_710_000_000 + i * 86_400, 10, 12, 9, 11, 100) for i in range(30)]


def emf_documents(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


_SYNC_WORKER_CONTAINER = textwrap.dedent(
    """
    import sys
    from application.background import SyncJob
    from wiring.services import Services, use_services
    from config.settings import Settings
    from functions.sync_worker.handler import handler
    from local.lambda_context import LocalLambdaContext
    from tests.fakes import FakeBarStore, FakeFeed
    from tests.unit.test_api_query_cache import BrokenCache
    from tests.fixtures.aws import sqs_event
    from tests.unit.test_sync_worker_metrics import BARS

    assert "functions.api.handler" not in sys.modules
    use_services(
        Services(
            Settings(data_dir=sys.argv[1]),
            store=FakeBarStore(),
            feed=FakeFeed(BARS),
            cache=BrokenCache(),
        )
    )
    job = SyncJob(symbol="AAPL", exchange="NASDAQ", n_bars=30)
    result = handler(sqs_event(job), LocalLambdaContext("pocketquant-sync-worker"))
    assert result["batchItemFailures"] == [], result
    """
)


def test_a_sync_worker_container_counts_a_failed_invalidation(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _SYNC_WORKER_CONTAINER, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    [document] = [d for d in emf_documents(run.stdout) if "BarsSynced" in d]
    assert document["BarsSynced"] == [30.0]
    assert document["CacheErrors"] == [1.0]


@pytest.fixture
def broken_cache_services(tmp_path: Path) -> Iterator[Services]:
    container = Services(
        Settings(data_dir=tmp_path),
        store=FakeBarStore(),
        feed=FakeFeed(BARS),
        cache=BrokenCache(),
    )
    previous = use_services(container)
    yield container
    use_services(previous)


def test_with_both_handlers_in_one_process_a_failure_is_counted_once(
    broken_cache_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """The local stack runs the api and the sync-worker handlers side by side."""
    import functions.api.handler  # noqa: F401 - registers its listener, as in the local stack
    from functions.sync_worker.handler import handler

    job = SyncJob(symbol="AAPL", exchange="NASDAQ", n_bars=30)
    handler(sqs_event(job), LocalLambdaContext("pocketquant-sync-worker"))

    [document] = [d for d in emf_documents(capsys.readouterr().out) if "BarsSynced" in d]
    assert document["CacheErrors"] == [1.0]
