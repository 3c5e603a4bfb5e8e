"""Where domain events go: an in-process bus locally, EventBridge on AWS."""
