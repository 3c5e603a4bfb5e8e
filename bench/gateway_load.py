"""The load for ``bench_gateway``, in its own process so that it does not share the server's
interpreter: ``python -m bench.gateway_load URL``.

Prints one JSON object: the slowest of 64 clients connecting at once to ``/health`` (the
worst of five rounds, each on fresh connections), and the requests/s and latencies of 16
keep-alive clients reading 1,000 cached bars over and over. The clients are asyncio
streams framed by h11: an HTTP client library would spend more of this machine's two
cores than the server it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from urllib.parse import urlsplit

import h11

BURST_CLIENTS = 64
BURST_ROUNDS = 5
READ_CLIENTS = 16
READ_PATH = "/market-data/ohlcv/NASDAQ/AAPL?interval=1d&limit=1000"
WARMUP_S = 1.0
MEASURE_S = 5.0
READ_SIZE = 256 * 1024


class _Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._http = h11.Connection(h11.CLIENT)

    @classmethod
    async def open(cls, host: str, port: int) -> _Connection:
        return cls(*await asyncio.open_connection(host, port))

    async def get(self, target: str) -> tuple[int, dict[bytes, bytes], int]:
        """Status, headers and body size of ``GET target``."""
        request = h11.Request(method="GET", target=target, headers=[("Host", "bench")])
        self._writer.write(self._http.send(request) + self._http.send(h11.EndOfMessage()))
        status, headers, size = 0, {}, 0
        while True:
            event = self._http.next_event()
            if event is h11.NEED_DATA:
                self._http.receive_data(await self._reader.read(READ_SIZE))
            elif isinstance(event, h11.Response):
                status, headers = event.status_code, dict(event.headers)
            elif isinstance(event, h11.Data):
                size += len(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self._http.start_next_cycle()
                return status, headers, size
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("the server closed the connection")

    def close(self) -> None:
        self._writer.close()


async def _burst(host: str, port: int) -> float:
    """Seconds until the last of 64 clients, all connecting at once, has its answer."""

    async def one() -> None:
        connection = await _Connection.open(host, port)
        status, _, _ = await connection.get("/health")
        connection.close()
        if status != 200:
            raise SystemExit(f"/health answered {status}")

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(BURST_CLIENTS)))
    return time.perf_counter() - started


async def _reads(host: str, port: int) -> tuple[int, float, list[float]]:
    """Requests answered, seconds measured and each latency, after a warm-up."""
    latencies: list[float] = []

    async def reader(connection: _Connection, until: float, record: bool) -> None:
        while (sent := time.perf_counter()) < until:
            status, headers, size = await connection.get(READ_PATH)
            if status != 200 or headers.get(b"x-cache") != b"hit" or size == 0:
                raise SystemExit(f"unexpected answer: {status} {headers}")
            if record:
                latencies.append(time.perf_counter() - sent)

    connections = [await _Connection.open(host, port) for _ in range(READ_CLIENTS)]
    warm_until = time.perf_counter() + WARMUP_S
    await asyncio.gather(*(reader(c, warm_until, False) for c in connections))
    started = time.perf_counter()
    await asyncio.gather(*(reader(c, started + MEASURE_S, True) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return len(latencies), elapsed, latencies


async def _main(host: str, port: int) -> dict[str, float]:
    bursts = [await _burst(host, port) for _ in range(BURST_ROUNDS)]
    count, elapsed, latencies = await _reads(host, port)
    return {
        "burst_slowest_ms": max(bursts) * 1000,
        "burst_median_ms": statistics.median(bursts) * 1000,
        "reads_per_s": count / elapsed,
        "read_p50_ms": statistics.median(latencies) * 1000,
        "read_p99_ms": statistics.quantiles(latencies, n=100)[98] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", help="the gateway, e.g. http://127.0.0.1:8765")
    url = urlsplit(parser.parse_args().url)
    print(json.dumps(asyncio.run(_main(url.hostname or "127.0.0.1", url.port or 80))))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
