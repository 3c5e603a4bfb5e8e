"""How the shared Lambda layer is built: ``requirements.txt`` and ``build.py``."""
