"""Analytics: frames decoded from a camera's stream, turned into events (motion for now)."""
