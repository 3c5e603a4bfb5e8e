"""The ``scheduler`` function: turns a schedule's firing into one sync job per series."""
