"""The ``api`` Lambda: every HTTP route of PocketQuant behind one Powertools resolver."""
