"""Idempotency records for Powertools' ``CachePersistenceLayer``: Redis, or in process."""
