"""Benchmarks: one JSON line per metric; `make bench` runs them all (`python -m bench`)."""
