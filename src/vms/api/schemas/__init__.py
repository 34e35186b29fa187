"""API request and response schemas, one module per resource (pydantic: the HTTP edge)."""
