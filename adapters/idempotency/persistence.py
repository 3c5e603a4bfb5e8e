"""Powertools' ``CachePersistenceLayer``, with the payload hash kept on completed records.

Powertools 3.x writes the payload hash when a record goes in progress but drops it when
the record completes (``_update_record``), so with ``payload_validation_jmespath`` every
replay of a completed request would be refused as "another body" (the same bug was fixed
in Powertools for TypeScript: aws-powertools/powertools-lambda-typescript#5705). This
subclass writes the hash on completion too. It also silences the deprecation warning
Powertools raises for its own recommended ``CachePersistenceLayer`` name (an alias of the
deprecated class).
"""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from aws_lambda_powertools.utilities.idempotency.persistence.cache import (
        CachePersistenceLayer,
    )
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

    class RecordStore(CachePersistenceLayer):
        """Idempotency records in any client with Redis' ``get``/``set``/``delete``."""

        def _update_record(self, data_record: DataRecord) -> None:
            item: dict[str, Any] = {
                self.data_attr: data_record.response_data,
                self.status_attr: data_record.status,
                self.expiry_attr: data_record.expiry_timestamp,
            }
            if self.payload_validation_enabled:
                item[self.validation_key_attr] = data_record.payload_hash
            ttl = self._get_expiry_second(data_record.expiry_timestamp)
            self.client.set(
                name=data_record.idempotency_key, value=self._json_serializer(item), ex=ttl
            )


def record_store(client: Any) -> RecordStore:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return RecordStore(client=client)
