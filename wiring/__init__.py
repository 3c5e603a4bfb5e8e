"""The composition root: the one place that picks an adapter for each port, builds the use
cases on them and owns their lifetimes.

``services.Services`` is the container (each part built on first use from the settings,
closed by ``close()``); ``services.get_services()`` is the container of this process (a
Lambda container, the local stack, a CLI command). ``stores`` chooses the bar store and
the quote subscriptions, ``secrets`` resolves what Secrets Manager holds, ``streamer``
opens the streamer's parts, ``local`` the local stack's in-process queue.

Nothing below this package imports an adapter (``tests/unit/test_layering.py``). Modules
here import adapters only inside functions, so a Lambda cold start pays only for what a
request uses.
"""
