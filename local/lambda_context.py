"""A Lambda context for handlers invoked in-process, as the Lambda runtime would pass it."""

from __future__ import annotations

import time
import uuid

from aws_lambda_powertools.utilities.typing import LambdaContext

DEFAULT_TIMEOUT_S = 30.0


class LocalLambdaContext(LambdaContext):
    """What Powertools reads of the context: name, ARN, memory, request id, time left."""

    def __init__(
        self,
        function_name: str,
        *,
        request_id: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = 512,
    ) -> None:
        self._function_name = function_name
        self._function_version = "$LATEST"
        self._invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self._memory_limit_in_mb = memory_mb
        self._aws_request_id = request_id or str(uuid.uuid4())
        self._log_group_name = f"/aws/lambda/{function_name}"
        self._log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]
        return max(0, int((self._deadline - time.monotonic()) * 1000))
