"""Where the guardrails in front of TradingView keep their shared state: the breaker, the
request budget and the one signed-in token, in Redis or (without it) in the process and a
file of the data dir."""
