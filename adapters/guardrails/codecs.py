"""The guardrails' records as compact JSON, the same in Redis and in a file."""

from __future__ import annotations

from typing import Any

import orjson

from domain.circuit_breaker import BreakerPhase, BreakerState
from domain.request_budget import BucketState
from domain.signin import SignedInToken, SignInBackoff


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def encode_breaker(state: BreakerState) -> bytes:
    return orjson.dumps(
        {
            "phase": state.phase.value,
            "since": state.since,
            "refusals": state.refusals,
            "reason": state.reason,
            "reopen_at": state.reopen_at,
            "probe_until": state.probe_until,
        }
    )


def decode_breaker(raw: bytes | str) -> BreakerState:
    record = orjson.loads(raw)
    reason = record.get("reason")
    return BreakerState(
        phase=BreakerPhase(record.get("phase", BreakerPhase.CLOSED.value)),
        since=_number(record.get("since")),
        refusals=int(record.get("refusals") or 0),
        reason=str(reason) if reason is not None else None,
        reopen_at=_number(record.get("reopen_at")),
        probe_until=_number(record.get("probe_until")),
    )


def encode_bucket(state: BucketState) -> bytes:
    return orjson.dumps({"tokens": state.tokens, "updated_at": state.updated_at})


def decode_bucket(raw: bytes | str) -> BucketState:
    record = orjson.loads(raw)
    return BucketState(tokens=float(record["tokens"]), updated_at=float(record["updated_at"]))


def token_record(token: SignedInToken) -> dict[str, Any]:
    return {"token": token.token, "issued_at": token.issued_at, "expires_at": token.expires_at}


def token_of(record: Any) -> SignedInToken | None:
    if not isinstance(record, dict) or not isinstance(record.get("token"), str):
        return None
    return SignedInToken(
        token=record["token"],
        issued_at=float(record.get("issued_at") or 0.0),
        expires_at=float(record.get("expires_at") or 0.0),
    )


def backoff_record(backoff: SignInBackoff) -> dict[str, Any]:
    return {
        "until": backoff.until,
        "failures": backoff.failures,
        "reason": backoff.reason,
        "kind": backoff.kind,
    }


def backoff_of(record: Any) -> SignInBackoff | None:
    if not isinstance(record, dict) or not isinstance(record.get("until"), int | float):
        return None
    return SignInBackoff(
        until=float(record["until"]),
        failures=int(record.get("failures") or 1),
        reason=str(record.get("reason") or "sign-in failed"),
        kind=str(record.get("kind") or "refused"),
    )
