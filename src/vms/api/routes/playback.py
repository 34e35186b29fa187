"""Playback routes: timeline, HLS VOD playlist and a JPEG of the frame at an instant."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from vms.api.doors import PlaybackRoom
from vms.api.errors import FieldIssue, InvalidFieldsError
from vms.api.files import MP4, segment_file_response
from vms.api.problems import problem_responses
from vms.api.routes.params import CameraIdPath
from vms.api.schemas.playback import BucketView, GapView, IntervalView, TimelineView
from vms.api.timeparse import parse_time_ms
from vms.cameras.door import SegmentFile
from vms.core.ids import CameraId, SegmentId, StreamName

M3U8 = "application/vnd.apple.mpegurl"
JPEG = "image/jpeg"
_TIME = "ISO-8601 with a time zone (2025-11-25T10:00:00Z) or unix milliseconds"
_BUCKETS = {"none": None, "hour": 3_600_000, "day": 86_400_000}
AUTO_HOUR_FROM_MS = 6 * 3_600_000
AUTO_DAY_FROM_MS = 7 * 86_400_000


def parse_bounds(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    """The bounds that are given, parsed (every bad one reported); with both, end must be after
    start. InvalidFieldsError otherwise."""
    issues: list[FieldIssue] = []
    values: dict[str, int | None] = {"start": None, "end": None}
    for name, text in (("start", start), ("end", end)):
        if text is None:
            continue
        try:
            values[name] = parse_time_ms(text)
        except ValueError as exc:
            issues.append(FieldIssue("query", name, str(exc)))
    first, last = values["start"], values["end"]
    if not issues and first is not None and last is not None and last <= first:
        issues.append(FieldIssue("query", "end", "end must be after start"))
    if issues:
        raise InvalidFieldsError(issues)
    return first, last


def parse_range(start: str, end: str) -> tuple[int, int]:
    """Both bounds parsed (every bad one reported); end must be after start."""
    first, last = parse_bounds(start, end)
    assert first is not None and last is not None  # both were given
    return first, last


def _bucket_ms(bucket: str, span_ms: int) -> int | None:
    if bucket != "auto":
        return _BUCKETS[bucket]
    if span_ms >= AUTO_DAY_FROM_MS:
        return _BUCKETS["day"]
    return _BUCKETS["hour"] if span_ms >= AUTO_HOUR_FROM_MS else None


def segment_uri(segment_id: SegmentId) -> str:
    """Where a playlist (at /api/v1/cameras/{id}/vod.m3u8) points for a segment's bytes.

    Relative, so a player given credentials in the playlist URL (`http://user:pass@host/...`)
    keeps them: ffmpeg drops the user part when it resolves a path that starts with '/'. Ends in
    .mp4 because ffmpeg's HLS demuxer refuses segment URLs without an allowed extension."""
    return f"../../segments/{segment_id}/media.mp4"


def open_segment_uri(stream: StreamName, start_ms: int) -> str:
    """Where a playlist points for the bytes of a file found by its stream and start: the
    segment being written has no id yet. Relative to /api/v1/cameras/{id}/vod.m3u8, like
    `segment_uri`."""
    return f"segments/{stream.value}/{start_ms}/media.mp4"


_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {MP4: {}}},
    206: {"content": {MP4: {}}},
    **problem_responses(404, 416),
}

router = APIRouter(tags=["playback"])


@router.get(
    "/cameras/{camera_id}/recordings/{stream}/{start_ms}/media.mp4",
    name="recording_media",
    summary="Deprecated: use /cameras/{camera_id}/segments/{stream}/{start_ms}/media.mp4",
    deprecated=True,
    response_class=Response,
    responses=_FILE_RESPONSES,
)
@router.get(
    "/cameras/{camera_id}/segments/{stream}/{start_ms}/media.mp4",
    summary="The bytes of a camera stream's segment by its start, the one being written"
    " included (VOD playlists point here for it)",
    response_class=Response,
    responses=_FILE_RESPONSES,
)
async def open_segment_media(
    camera_id: CameraIdPath,
    stream: StreamName,
    start_ms: int,
    request: Request,
    playback: PlaybackRoom,
) -> Response:
    found = await playback.recording_file(CameraId(camera_id), stream, start_ms)
    segment = SegmentFile(
        segment_id=SegmentId(0),
        camera_id=found.camera_id,
        stream=found.stream,
        start_ms=found.start_ms,
        end_ms=found.start_ms,
        path=found.path,
        size_bytes=0,
    )
    return await segment_file_response(request, segment)


@router.get(
    "/cameras/{camera_id}/timeline",
    summary="Recorded intervals and gaps (with causes), and counts per hour or day",
    responses=problem_responses(422),
)
async def timeline(
    camera_id: CameraIdPath,
    start: Annotated[str, Query(description=f"range start: {_TIME}")],
    end: Annotated[str, Query(description=f"range end: {_TIME}")],
    stream: StreamName = StreamName.MAIN,
    bucket: Annotated[
        Literal["auto", "none", "hour", "day"],
        Query(description="counts per bucket; auto: hours from 6 h, days from 7 days"),
    ] = "auto",
    *,
    playback: PlaybackRoom,
) -> TimelineView:
    start_ms, end_ms = parse_range(start, end)
    result = await playback.timeline(
        CameraId(camera_id), stream, start_ms, end_ms, _bucket_ms(bucket, end_ms - start_ms)
    )
    return TimelineView(
        camera_id=camera_id,
        stream=stream.value,
        start_ms=result.start_ms,
        end_ms=result.end_ms,
        recorded=[
            IntervalView(start_ms=s.start_ms, end_ms=s.end_ms, in_progress=s == result.in_progress)
            for s in result.recorded
        ],
        gaps=[
            GapView(start_ms=g.start_ms, end_ms=g.end_ms, cause=g.cause.value) for g in result.gaps
        ],
        bucket_ms=result.bucket_ms,
        buckets=[
            BucketView(start_ms=b.start_ms, segments=b.segments, recorded_ms=b.recorded_ms)
            for b in result.buckets
        ],
    )


@router.get(
    "/cameras/{camera_id}/vod.m3u8",
    summary="HLS VOD playlist (v7, fMP4 byte ranges of the recorded files) for a time range",
    response_class=Response,
    responses={200: {"content": {M3U8: {}}}, **problem_responses(404, 422)},
)
async def vod(
    camera_id: CameraIdPath,
    start: Annotated[str, Query(description=f"range start: {_TIME}")],
    end: Annotated[str, Query(description=f"range end: {_TIME}")],
    stream: StreamName = StreamName.MAIN,
    *,
    playback: PlaybackRoom,
) -> Response:
    start_ms, end_ms = parse_range(start, end)
    playlist = await playback.playlist(
        CameraId(camera_id), stream, start_ms, end_ms, segment_uri, open_uri=open_segment_uri
    )
    headers = {"Cache-Control": "no-store", "VMS-Segments": str(playlist.segments)}
    if playlist.skipped:
        headers["VMS-Skipped"] = "; ".join(playlist.skipped)[:2000]
    return Response(playlist.text, media_type=M3U8, headers=headers)


@router.get(
    "/cameras/{camera_id}/frame",
    summary="JPEG of the recorded frame nearest to an instant",
    response_class=Response,
    responses={200: {"content": {JPEG: {}}}, **problem_responses(404, 422)},
)
async def frame(
    camera_id: CameraIdPath,
    at: Annotated[str, Query(description=f"instant: {_TIME}")],
    stream: StreamName = StreamName.MAIN,
    width: Annotated[int | None, Query(ge=16, le=7680, description="scale to this width")] = None,
    *,
    playback: PlaybackRoom,
) -> Response:
    try:
        at_ms = parse_time_ms(at)
    except ValueError as exc:
        raise InvalidFieldsError([FieldIssue("query", "at", str(exc))]) from None
    image = await playback.frame(CameraId(camera_id), stream, at_ms, width)
    return Response(image, media_type=JPEG, headers={"Cache-Control": "max-age=3600"})
