"""Route modules; importing one registers its routes on ``functions.api.app.app``.

``functions/api/handler.py`` imports every one of them.
"""
