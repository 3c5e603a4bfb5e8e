"""Configuration: the one place that reads the environment."""
