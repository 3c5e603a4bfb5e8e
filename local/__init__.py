"""The whole system on one machine: the HTTP gateway, the in-process scheduler and the
supervisor behind ``pocketquant run``, calling the same ``functions/`` handlers as AWS."""
