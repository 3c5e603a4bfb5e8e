"""``pocketquant run --feed simulator`` as a user starts it: a process, HTTP, Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pocketquant_run(port: int, data_dir: Path) -> tuple[list[str], dict[str, str]]:
    """``pocketquant run --feed simulator`` on ``port`` and its environment: none of this
    machine's ``PQ_`` settings, the data in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PQ_")}
    env["PQ_DATA_DIR"] = str(data_dir)
    args = [sys.executable, "-m", "cli.main", "run", "--feed", "simulator", "--port", str(port)]
    return args, env


def _wait_for_health(process: subprocess.Popen[str], url: str) -> None:
    """Poll until the process answers: it has no readiness signal to wait on."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        assert process.poll() is None, f"pocketquant run exited with {process.returncode}"
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "pocketquant run did not answer /health in time"
        time.sleep(0.05)


@pytest.fixture
def local_stack(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    args, env = _pocketquant_run(port, tmp_path)
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
    _wait_for_health(process, url)

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
    assert "stopped." in output
    assert "Traceback" not in output
    assert '{"_aws"' not in output  # no EMF metric lines without --metrics


def test_run_on_a_busy_port_says_so(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args, env = _pocketquant_run(port, tmp_path)
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
