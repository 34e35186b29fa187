"""Snapshot route: a JPEG of a camera's newest live frame (decoded from the hub's GOP cache)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from vms.api.doors import LiveRoom
from vms.api.problems import problem_responses
from vms.api.routes.params import CameraIdPath
from vms.core.ids import CameraId, StreamName

JPEG = "image/jpeg"


router = APIRouter(tags=["live"])


@router.get(
    "/cameras/{camera_id}/snapshot.jpg",
    summary="JPEG of the newest live frame (reused for ~200 ms across requests)",
    response_class=Response,
    responses={200: {"content": {JPEG: {}}}, **problem_responses(404, 422, 503)},
)
async def snapshot(
    camera_id: CameraIdPath,
    live: LiveRoom,
    stream: Annotated[
        StreamName, Query(description="which camera stream: main or sub")
    ] = StreamName.MAIN,
    width: Annotated[
        int | None,
        Query(ge=16, le=7680, description="scale down to this width, keeping the aspect"),
    ] = None,
) -> Response:
    shot = await live.snapshots.snapshot(CameraId(camera_id), stream, width)
    headers = {"Cache-Control": "no-store", "VMS-Frame-Time-Ms": str(shot.wall_ms)}
    return Response(shot.jpeg, media_type=JPEG, headers=headers)
