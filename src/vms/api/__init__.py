"""REST API (FastAPI) under /api/v1, with RFC 9457 problem details for every error."""

from vms.api.app import create_api
from vms.api.doors import Doors

__all__ = ["Doors", "create_api"]
