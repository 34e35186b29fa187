"""Camera lifecycle: stored definitions, their ingest sources and their recorders (ADR 0003)."""
