"""Recording routes: list a camera's segments in a time range and download one segment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from vms.api.backend import ApiBackend
from vms.api.errors import FieldIssue, InvalidFieldsError
from vms.api.files import MP4, segment_file_response
from vms.api.problems import problem_responses
from vms.api.routes.params import CameraIdPath, SegmentIdPath
from vms.api.schemas.recordings import RecordingView
from vms.api.timeparse import parse_time_ms
from vms.core.ids import CameraId, SegmentId, StreamName

_TIME_HELP = "ISO-8601 with a time zone (2025-11-25T10:00:00Z) or unix milliseconds"
MAX_LIMIT = 10_000


def _time_range(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    """Parse both bounds, reporting every bad one; end must be after start."""
    issues: list[FieldIssue] = []
    bounds: dict[str, int | None] = {"start": None, "end": None}
    for name, text in (("start", start), ("end", end)):
        if text is not None:
            try:
                bounds[name] = parse_time_ms(text)
            except ValueError as exc:
                issues.append(FieldIssue("query", name, str(exc)))
    start_ms, end_ms = bounds["start"], bounds["end"]
    if start_ms is not None and end_ms is not None and end_ms <= start_ms:
        issues.append(FieldIssue("query", "end", "end must be after start"))
    if issues:
        raise InvalidFieldsError(issues)
    return start_ms, end_ms


def recordings_router(backend: ApiBackend) -> APIRouter:
    """Routes for recorded segments."""
    router = APIRouter(tags=["recordings"])

    @router.get(
        "/cameras/{camera_id}/recordings",
        summary="Segments of a camera overlapping a time range, oldest first",
        responses=problem_responses(404, 422),
    )
    async def list_recordings(
        camera_id: CameraIdPath,
        start: Annotated[str | None, Query(description=f"range start: {_TIME_HELP}")] = None,
        end: Annotated[str | None, Query(description=f"range end: {_TIME_HELP}")] = None,
        stream: Annotated[StreamName | None, Query(description="only this stream")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="most segments")] = 1000,
    ) -> list[RecordingView]:
        start_ms, end_ms = _time_range(start, end)
        return await backend.list_recordings(CameraId(camera_id), start_ms, end_ms, stream, limit)

    @router.get(
        "/recordings/{segment_id}/file",
        summary="Download a segment (fragmented MP4; HTTP Range supported)",
        response_class=Response,
        responses={
            200: {"content": {MP4: {}}, "description": "the whole file"},
            206: {"content": {MP4: {}}, "description": "the requested byte range"},
            **problem_responses(404, 416, 422, 503),
        },
    )
    async def segment_file(segment_id: SegmentIdPath, request: Request) -> Response:
        segment = await backend.segment_file(SegmentId(segment_id))
        return await segment_file_response(request, segment)

    return router
