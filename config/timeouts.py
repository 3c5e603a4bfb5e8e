"""Every time limit of a request and a job, and how often a job is tried, written once.

The Lambda timeouts of the stack (``infra_stack``), the TradingView reply timeout of the
settings and the deadlines the sync commands give ``sync_series`` all come from here, so
they cannot drift apart. Each limit leaves room for what follows it:

* an inline ``POST /market-data/sync`` must answer before API Gateway cuts the request at
  29 s with a bare 504, so its fetch stops at ``INLINE_SYNC_DEADLINE_S``, leaving time to
  store what came and answer a clear error;
* a single TradingView reply that never comes is reported as the feed's timeout
  (``TRADINGVIEW_REPLY_TIMEOUT_S``), before the inline deadline;
* a background job stops at ``BACKGROUND_SYNC_DEADLINE_S``, before its Lambda is killed, so
  its failure is recorded and the job retried rather than lost to a timeout;
* SQS hides a received job for ``SYNC_VISIBILITY_TIMEOUT_S``, six times the worker's timeout
  as AWS advises for Lambda consumers, so a job still running is never delivered twice.
"""

from __future__ import annotations

from typing import Final

API_GATEWAY_INTEGRATION_LIMIT_S: Final = 29
"""API Gateway (REST and WebSocket) ends an integration that runs longer with a 504."""

API_FUNCTION_TIMEOUT_S: Final = API_GATEWAY_INTEGRATION_LIMIT_S
"""The api function: no use running past the moment API Gateway gave up."""

INLINE_SYNC_DEADLINE_S: Final = 22.0
"""An inline sync's fetch stops here: 7 s are left to store the bars and answer."""

TRADINGVIEW_REPLY_TIMEOUT_S: Final = 20.0
"""The wait for each TradingView reply (``PQ_TRADINGVIEW_TIMEOUT``'s default)."""

WORKER_FUNCTION_TIMEOUT_S: Final = 300
"""The sync-worker function: a paged backfill of one series."""

BACKGROUND_SYNC_DEADLINE_S: Final = 240.0
"""A background job's fetch stops here, a minute before the worker's Lambda would be killed."""

SYNC_VISIBILITY_TIMEOUT_S: Final = 6 * WORKER_FUNCTION_TIMEOUT_S
"""How long a received job stays hidden from other workers (SQS and the local queue)."""

SYNC_MAX_RECEIVES: Final = 3
"""Deliveries of a background job before it is dead-lettered (SQS's redrive policy, and the
local queue's)."""

LOCAL_RETRY_DELAY_S: Final = 5.0
"""The local queue delivers a failed job again after this (SQS after its visibility timeout:
a local stack is watched by a person, not left for half an hour)."""

SCHEDULER_FUNCTION_TIMEOUT_S: Final = 60
"""The scheduler function: one message per tracked series."""

STREAM_FUNCTION_TIMEOUT_S: Final = API_GATEWAY_INTEGRATION_LIMIT_S
"""The stream function behind the WebSocket API; a replay fits in it."""
