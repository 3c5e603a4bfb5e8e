"""The query cache: Redis when ``PQ_REDIS_URL`` is set, an in-process LRU otherwise.

Import what you need from its module (the composition root, ``wiring``, does); this
package does not import redis, so a process without Redis never pays for it.
"""
