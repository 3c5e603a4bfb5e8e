"""The local stack as separate processes see it: jobs it accepted survive kill -9, a CLI sync
beside it is seen by its next read, and a busy port stops it before it does anything."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.queue.sqlite_jobs import JOBS_FILE, SqliteJobTable
from application.background import JobState, SyncJob
from tests.local_stack_process import (
    REPO,
    START_TIMEOUT_S,
    StackProcess,
    pocketquant_env,
    pocketquant_run,
    poll,
)

INTERVALS = ("1m", "3m", "5m", "15m", "30m", "45m", "1h", "2h", "3h", "4h")
"""Ten series of one symbol, so ten background jobs."""
JOBS_DONE_TIMEOUT_S = 120.0


@pytest.fixture
def stacks(tmp_path: Path) -> Iterator[list[StackProcess]]:
    """Stacks a test started; any still running at the end is killed."""
    started: list[StackProcess] = []
    yield started
    for stack in started:
        stack.close()


def _finished_statuses(data_dir: Path) -> int:
    """Series whose sync status is written, read from the store file as another process."""
    with sqlite3.connect(data_dir / "bars.sqlite3") as conn:
        (count,) = conn.execute("SELECT count(*) FROM sync_status").fetchone()
    conn.close()
    return int(count)


@pytest.mark.parametrize("stop", ["kill -9", "SIGTERM"])
def test_ten_queued_jobs_survive_the_stop_and_are_all_worked_after_a_restart(
    tmp_path: Path, stacks: list[StackProcess], stop: str
) -> None:
    data_dir = tmp_path / "data"
    first = StackProcess.start(data_dir, tmp_path / "first.log")
    stacks.append(first)
    job_ids: dict[str, str] = {}
    with httpx.Client(base_url=first.url, timeout=20) as client:
        for interval in INTERVALS:
            accepted = client.post(
                "/market-data/sync/background",
                json={
                    "symbol": "BTCUSDT",
                    "exchange": "BINANCE",
                    "interval": interval,
                    "n_bars": 20_000,
                },
            )
            assert accepted.status_code == 202, accepted.text
            job_ids[interval] = accepted.json()["job_id"]

    if stop == "kill -9":
        first.kill()
    else:
        assert first.stop() == 0
        assert "stay queued for the next start" in first.output()
    worked_before_the_stop = _finished_statuses(data_dir)
    assert worked_before_the_stop < len(INTERVALS), "every job finished before the stop"
    jobs = SqliteJobTable(data_dir / JOBS_FILE)
    try:
        assert jobs.count(*JobState) == len(INTERVALS)  # every accepted job is on disk
        if stop == "SIGTERM":  # the job being worked was finished, none left running
            assert jobs.count(JobState.RUNNING) == 0
    finally:
        jobs.close()

    second = StackProcess.start(data_dir, tmp_path / "second.log")
    stacks.append(second)
    with httpx.Client(base_url=second.url, timeout=20) as client:

        def every_job_ended() -> bool:
            listed = client.get("/market-data/sync-status").json()["data"]
            jobs = [item["job"] for item in listed if item["job"] is not None]
            return len(jobs) == len(INTERVALS) and all(
                job["state"] in ("done", "dead_lettered") for job in jobs
            )

        poll(every_job_ended, JOBS_DONE_TIMEOUT_S, "every job to be worked after the restart")
        listed = client.get("/market-data/sync-status").json()["data"]
    assert second.stop() == 0

    by_interval = {item["interval"]: item for item in listed}
    assert sorted(by_interval) == sorted(INTERVALS)
    for interval, job_id in job_ids.items():
        series = by_interval[interval]
        assert series["job"]["job_id"] == job_id
        if series["job"]["state"] == "done":
            assert series["status"] == "ok" and series["bar_count"] > 0, series
        else:
            assert series["status"] == "failed" and "dead-lettered" in series["error_message"]
    if stop == "kill -9":
        assert "running when the last process ended" in second.output()
    assert "Traceback" not in first.output() + second.output()


def test_a_cli_sync_in_another_process_is_seen_by_the_stacks_next_read(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    data_dir = tmp_path / "data"
    stack = StackProcess.start(data_dir, tmp_path / "stack.log")
    stacks.append(stack)
    bars = "/market-data/ohlcv/BINANCE/BTCUSDT"
    with httpx.Client(base_url=stack.url, timeout=20) as client:
        synced = client.post(
            "/market-data/sync", json={"symbol": "BTCUSDT", "exchange": "BINANCE", "n_bars": 50}
        )
        assert synced.status_code == 200, synced.text
        client.get(bars)
        cached = client.get(bars)
        assert cached.headers["x-cache"] == "hit" and cached.json()["count"] == 50

        sync = ("sync", "BINANCE:BTCUSDT", "--bars", "120", "--full")
        cli = subprocess.run(
            [sys.executable, "-m", "cli.main", *sync],
            cwd=REPO,
            env=pocketquant_env(data_dir, PQ_TRADINGVIEW_URL=stack.simulator_url),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
        assert cli.returncode == 0, cli.stderr
        after = client.get(bars)
        again = client.get(bars)

    assert after.headers["x-cache"] == "miss"
    assert after.json()["count"] == 120
    assert again.headers["x-cache"] == "hit" and again.json()["count"] == 120


def test_a_busy_port_fails_at_once_replaying_and_working_nothing(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    data_dir = tmp_path / "data"
    # A stack that ran: quotes streamed, then it stopped and saved its snapshot.
    first = StackProcess.start(data_dir, tmp_path / "first.log")
    stacks.append(first)
    with httpx.Client(base_url=first.url, timeout=20) as client:
        symbol = {"symbol": "BTCUSDT", "exchange": "BINANCE"}
        assert client.post("/quotes/subscribe", json=symbol).status_code == 200
        assert client.post("/quotes/start").status_code == 200
        poll(
            lambda: client.get("/quotes/current-bar/BINANCE/BTCUSDT").status_code == 200,
            START_TIMEOUT_S,
            "a bar in progress",
        )
    assert first.stop() == 0
    snapshot = data_dir / "streamer-snapshot.json"
    saved = snapshot.read_bytes(), snapshot.stat().st_mtime_ns
    # And a job it had accepted, still waiting for a worker.
    jobs = SqliteJobTable(data_dir / JOBS_FILE)
    jobs.add("left-queued", SyncJob(symbol="AAPL", exchange="NASDAQ", n_bars=5), now=0.0)
    jobs.close()

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        args, env = pocketquant_run(busy.getsockname()[1], data_dir)
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
    assert result.stderr.startswith("error: cannot listen on 127.0.0.1:")
    assert (snapshot.read_bytes(), snapshot.stat().st_mtime_ns) == saved
    jobs = SqliteJobTable(data_dir / JOBS_FILE)
    try:
        assert jobs.count(JobState.QUEUED) == 1
        assert jobs.count(JobState.RUNNING, JobState.DONE) == 0
    finally:
        jobs.close()
    assert "BarCompleted" not in result.stdout + result.stderr
    assert "event " not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
