"""Pure market-data rules: symbols, intervals, bars, bar times, events and ports.

Nothing in this package performs I/O; ``tests/unit/test_domain_purity.py`` enforces it.
"""
