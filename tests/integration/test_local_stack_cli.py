"""``pocketquant run --feed simulator`` as a user starts it: a process, HTTP, Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.local_stack_process import (
    REPO,
    START_TIMEOUT_S,
    free_port,
    pocketquant_run,
    wait_for_health,
)

STOP_TIMEOUT_S = 5.0


@pytest.fixture
def local_stack(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    args, env = pocketquant_run(port, tmp_path)
    process = subprocess.Popen(
        args,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_run_serves_syncs_and_stops_cleanly(
    local_stack: tuple[subprocess.Popen[str], str], stop_signal: signal.Signals
) -> None:
    process, url = local_stack
    wait_for_health(process, url)

    with httpx.Client(base_url=url, timeout=20) as client:
        synced = client.post(
            "/market-data/sync",
            json={"symbol": "AAPL", "exchange": "NASDAQ", "interval": "1d", "n_bars": 60},
        )
        bars = client.get("/market-data/ohlcv/NASDAQ/AAPL", params={"limit": 100})
    assert synced.status_code == 200, synced.text
    assert bars.json()["count"] == 60

    process.send_signal(stop_signal)
    output, _ = process.communicate(timeout=STOP_TIMEOUT_S)

    assert process.returncode in (0, 130), output
    assert f"PocketQuant is running at {url}" in output
    assert f"{url}/docs" in output
    assert "TradingView simulator at ws://127.0.0.1:" in output
    assert "  jobs       SQLite, " in output and "sync_jobs.sqlite3" in output
    assert "stopped." in output
    assert "Traceback" not in output
    assert '{"_aws"' not in output  # no EMF metric lines without --metrics


def test_run_on_a_busy_port_says_so(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args, env = pocketquant_run(port, tmp_path)
        result = subprocess.run(
            args,
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )

    assert result.returncode == 1
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr
