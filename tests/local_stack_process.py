"""``pocketquant run --feed simulator`` as a user starts it: a process of its own, its output
in a file (read while it runs), HTTP on a free port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

START_TIMEOUT_S = 20.0
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pocketquant_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This machine's environment without its ``PQ_`` settings, the data in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PQ_")}
    env["PQ_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def pocketquant_run(port: int, data_dir: Path) -> tuple[list[str], dict[str, str]]:
    """``pocketquant run --feed simulator`` on ``port`` and its environment."""
    args = [sys.executable, "-m", "cli.main", "run", "--feed", "simulator", "--port", str(port)]
    return args, pocketquant_env(data_dir)


def wait_for_health(process: subprocess.Popen[str], url: str) -> None:
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


def poll(ask: Callable[[], bool], timeout: float, what: str) -> None:
    """Ask again until true: another process does the work, with no event to await."""
    deadline = time.monotonic() + timeout
    while not ask():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


@dataclass
class StackProcess:
    process: subprocess.Popen[str]
    url: str
    log: Path
    _log_file: IO[str]

    @classmethod
    def start(cls, data_dir: Path, log: Path) -> StackProcess:
        port = free_port()
        args, env = pocketquant_run(port, data_dir)
        log_file = log.open("w")
        process = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT, text=True
        )
        stack = cls(process, f"http://127.0.0.1:{port}", log, log_file)
        wait_for_health(process, stack.url)
        poll(lambda: "Ctrl-C stops it." in stack.output(), START_TIMEOUT_S, "the start lines")
        return stack

    def output(self) -> str:
        return self.log.read_text()

    @property
    def simulator_url(self) -> str:
        found = re.search(r"TradingView simulator at (ws://\S+)", self.output())
        assert found, self.output()
        return found.group(1)

    def kill(self) -> None:
        """kill -9: no handler runs, nothing is flushed."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log_file.close()

    def stop(self, timeout: float = 10.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self._log_file.close()
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self._log_file.close()
