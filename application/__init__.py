"""Use cases: what PocketQuant does, written against the domain's ports."""
