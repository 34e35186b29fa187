"""Events: what analytics saw happen, stored with a snapshot, searched, and streamed to clients."""
