"""Plumbing every handler shares: observability, and domain errors as HTTP responses."""
