"""Segment routes: list a camera's segments in a time range, download one, serve it to HLS.

A segment is one recorded file; a camera's recording is the union of its segments (see the
glossary). The paths said "recordings" until 0.x; those paths stay as deprecated aliases of the
same handlers, so old clients and bookmarks keep working.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from vms.api.doors import CamerasRoom
from vms.api.files import MP4, segment_file_response
from vms.api.problems import problem_responses
from vms.api.routes.params import CameraIdPath, SegmentIdPath
from vms.api.routes.playback import parse_bounds
from vms.api.schemas.segments import SegmentView
from vms.core.ids import CameraId, SegmentId, StreamName

_TIME_HELP = "ISO-8601 with a time zone (2025-11-25T10:00:00Z) or unix milliseconds"
MAX_LIMIT = 10_000
_FILE_RESPONSES = {
    200: {"content": {MP4: {}}, "description": "the whole file"},
    206: {"content": {MP4: {}}, "description": "the requested byte range"},
    **problem_responses(404, 416, 422, 503),
}

router = APIRouter(tags=["segments"])


@router.get(
    "/cameras/{camera_id}/recordings",
    name="list_recordings",
    summary="Deprecated: use /cameras/{camera_id}/segments",
    deprecated=True,
    responses=problem_responses(404, 422),
)
@router.get(
    "/cameras/{camera_id}/segments",
    summary="Segments of a camera overlapping a time range, oldest first",
    responses=problem_responses(404, 422),
)
async def list_segments(
    camera_id: CameraIdPath,
    *,
    cameras: CamerasRoom,
    start: Annotated[str | None, Query(description=f"range start: {_TIME_HELP}")] = None,
    end: Annotated[str | None, Query(description=f"range end: {_TIME_HELP}")] = None,
    stream: Annotated[StreamName | None, Query(description="only this stream")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="most segments")] = 1000,
) -> list[SegmentView]:
    start_ms, end_ms = parse_bounds(start, end)
    rows = await cameras.list_segments(CameraId(camera_id), start_ms, end_ms, stream, limit)
    return [SegmentView.of(row) for row in rows]


@router.get(
    "/recordings/{segment_id}/media.mp4",
    name="recording_media_by_id",
    summary="Deprecated: use /segments/{segment_id}/media.mp4",
    deprecated=True,
    response_class=Response,
    responses=_FILE_RESPONSES,
)
@router.get(
    "/segments/{segment_id}/media.mp4",
    name="segment_media",
    summary="A segment's bytes for HLS byte ranges (same as /segments/{id}/file)",
    response_class=Response,
    responses=_FILE_RESPONSES,
)
@router.get(
    "/recordings/{segment_id}/file",
    name="recording_file",
    summary="Deprecated: use /segments/{segment_id}/file",
    deprecated=True,
    response_class=Response,
    responses=_FILE_RESPONSES,
)
@router.get(
    "/segments/{segment_id}/file",
    summary="Download a segment (fragmented MP4; HTTP Range supported)",
    response_class=Response,
    responses=_FILE_RESPONSES,
)
async def segment_file(
    segment_id: SegmentIdPath, request: Request, cameras: CamerasRoom
) -> Response:
    """Also served at .../media.mp4: ffmpeg's HLS demuxer wants a media file extension."""
    segment = await cameras.segment_file(SegmentId(segment_id))
    return await segment_file_response(request, segment)
