"""Camera routes: list, add, read, change and remove cameras, and read their live status."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from vms.api.auth_deps import require
from vms.api.doors import CamerasRoom
from vms.api.problems import problem_responses
from vms.api.routes.params import CameraIdPath
from vms.api.schemas.cameras import (
    CameraCreate,
    CameraStatusView,
    CameraUpdate,
    CameraView,
    RecorderStatusView,
    StreamStatusView,
)
from vms.auth.models import Role
from vms.cameras.manager import CameraStatus, StreamStatus
from vms.config.cameras import CameraConfig
from vms.core.ids import CameraId

ADMIN = [Depends(require(Role.ADMIN))]

# Adding, changing and removing take effect at once (the manager restarts what changed).
router = APIRouter(prefix="/cameras", tags=["cameras"])


@router.get("", summary="List cameras", responses=problem_responses(503))
async def list_cameras(cameras: CamerasRoom) -> list[CameraView]:
    return [CameraView.from_config(c) for c in await cameras.list_cameras()]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a camera (starts at once)",
    dependencies=ADMIN,
    responses=problem_responses(400, 409, 422, 503),
)
async def add_camera(camera: CameraCreate, response: Response, cameras: CamerasRoom) -> CameraView:
    config = CameraConfig.model_validate(camera.model_dump())
    view = CameraView.from_config(await cameras.add_camera(config))
    response.headers["Location"] = f"/api/v1/cameras/{view.id}"
    return view


@router.get("/{camera_id}", summary="Read a camera", responses=problem_responses(404, 422))
async def get_camera(camera_id: CameraIdPath, cameras: CamerasRoom) -> CameraView:
    return CameraView.from_config(await cameras.get_camera(CameraId(camera_id)))


@router.patch(
    "/{camera_id}",
    summary="Change a camera (only the fields sent)",
    dependencies=ADMIN,
    responses=problem_responses(400, 404, 409, 422, 503),
)
async def update_camera(
    camera_id: CameraIdPath, update: CameraUpdate, cameras: CamerasRoom
) -> CameraView:
    return CameraView.from_config(await cameras.update_camera(CameraId(camera_id), update.apply))


@router.delete(
    "/{camera_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a camera (its recordings stay until retention)",
    dependencies=ADMIN,
    responses=problem_responses(404, 409, 422),
)
async def remove_camera(camera_id: CameraIdPath, cameras: CamerasRoom) -> Response:
    await cameras.remove_camera(CameraId(camera_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{camera_id}/status",
    summary="Live status of a camera's streams and recorders",
    responses=problem_responses(404, 422),
)
async def camera_status(camera_id: CameraIdPath, cameras: CamerasRoom) -> CameraStatusView:
    return status_view(await cameras.camera_status(CameraId(camera_id)))


def status_view(camera: CameraStatus) -> CameraStatusView:
    """The API's view of a camera's status (connection and recorder of each stream)."""
    streams = [_stream_view(item) for item in camera.streams]
    return CameraStatusView(
        camera_id=camera.camera.id, enabled=camera.camera.enabled, streams=streams
    )


def _stream_view(item: StreamStatus) -> StreamStatusView:
    health, stats = item.health, item.recorder
    recorder = (
        RecorderStatusView(
            state=stats.state.value,
            bytes_written=stats.bytes_written,
            segments_closed=stats.segments_closed,
            last_error=stats.last_error,
        )
        if stats is not None
        else None
    )
    return StreamStatusView(
        stream=item.stream,
        state=health.state.value,
        fps=health.fps,
        bitrate_bps=health.bitrate_bps,
        last_packet_ms=health.last_packet_ms,
        reconnects=health.reconnects,
        failed_attempts=health.failed_attempts,
        degraded_reason=health.degraded_reason,
        last_error=health.last_error,
        codec=health.video_codec,
        width=health.width or None,
        height=health.height or None,
        wallclock_source="rtcp" if health.wallclock_source == "rtcp" else "arrival",
        recorder=recorder,
    )
