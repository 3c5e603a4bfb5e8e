"""TradingView's websocket protocol: codec, messages and the history client."""
