"""A cold Lambda container in a process of its own.

``python -m tests.integration.handler_invocations THREADS SYMBOL...`` invokes the api
handler's ``POST /market-data/sync`` from ``THREADS`` threads at once for each symbol, as
concurrent invocations would, and prints one line per answer, ``answer: {"status",
"retry_after", "code"}`` (the handler's own log lines go to stdout too). The settings come
from the environment (``PQ_*``), as on AWS."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from functions.api.handler import handler
from local.lambda_context import LocalLambdaContext
from local.proxy_event import HttpRequest, http_response, proxy_event

PREFIX = "answer: "


def invoke(symbol: str) -> dict[str, Any]:
    exchange, ticker = symbol.split(":")
    body = json.dumps({"symbol": ticker, "exchange": exchange, "interval": "1d", "n_bars": 20})
    request = HttpRequest(
        "POST",
        "/market-data/sync",
        [("Content-Type", "application/json")],
        body.encode(),
        "127.0.0.1",
    )
    response = http_response(handler(proxy_event(request), LocalLambdaContext("pocketquant-api")))
    answer = json.loads(response.body)
    error = answer.get("error") if isinstance(answer, dict) else None
    return {
        "status": response.status,
        "retry_after": response.header("Retry-After"),
        "code": error.get("code") if isinstance(error, dict) else None,
    }


def main(argv: list[str]) -> int:
    threads, symbols = int(argv[0]), argv[1:]
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()
    start = threading.Barrier(threads * len(symbols))

    def run(symbol: str) -> None:
        start.wait()
        answer = invoke(symbol)
        with lock:
            answers.append(answer)

    workers = [
        threading.Thread(target=run, args=(symbol,)) for symbol in symbols for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for answer in answers:
        print(PREFIX + json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
