"""How the shared Lambda layer is built: ``requirements.txt`` (exported from ``uv.lock`` by
``export.py``) and ``build.py``."""
