"""A private ``redis-server`` on a free loopback port, with no persistence.

The benchmarks and the tests' ``redis_server`` fixture start theirs here, never touching
the machine's shared Redis on 6379.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def launch(port: int, directory: Path) -> subprocess.Popen[bytes] | None:
    """Start ``redis-server`` on 127.0.0.1:``port`` and return once it answers a ping;
    ``None`` when it is not installed. One that does not answer within 10 s is stopped
    and the ``redis.ConnectionError`` raised."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis.from_url(url(port))
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)  # polling the server's own readiness; nothing to await
    except BaseException:
        stop(process)
        raise
    finally:
        client.close()
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)


@contextlib.contextmanager
def private_redis(directory: Path) -> Iterator[str]:
    """A benchmark's server, its URL yielded; a missing ``redis-server`` ends the run."""
    port = free_port()
    process = launch(port, directory)
    if process is None:
        raise SystemExit("redis-server is not installed (`make redis` installs it)")
    try:
        yield url(port)
    finally:
        stop(process)
