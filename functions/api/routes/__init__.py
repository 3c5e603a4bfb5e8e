"""Route modules; importing one registers its routes on ``functions.api.app.app``.

The quote routes (``/quotes/...``) come with the streamer, as ``routes/quotes.py``
imported from ``functions/api/handler.py`` beside these.
"""
