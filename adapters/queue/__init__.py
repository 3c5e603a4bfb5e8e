"""Implementations of the ``SyncQueue`` port: SQS on AWS, a worker thread locally."""
