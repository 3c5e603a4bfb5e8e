"""The ``sync-worker`` function: runs the background sync jobs that arrive on SQS."""
