"""The ``pocketquant`` command line."""
