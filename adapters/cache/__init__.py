"""The query cache: Redis when ``PQ_REDIS_URL`` is set, an in-process LRU otherwise.

Import what you need from its module (or ``factory.query_cache_from_settings``); this
package does not import redis, so a process without Redis never pays for it.
"""
