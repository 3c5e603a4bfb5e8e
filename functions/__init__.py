"""Lambda entry points: thin handlers that parse an event, call a use case and respond."""
