"""REST API (FastAPI) under /api/v1, with RFC 9457 problem details for every error."""

from vms.api.app import create_api
from vms.api.backend import ApiBackend, SegmentFile

__all__ = ["ApiBackend", "SegmentFile", "create_api"]
