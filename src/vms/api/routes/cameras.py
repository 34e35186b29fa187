"""Camera routes: list, add, read, change and remove cameras, and read their live status."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from vms.api.auth_deps import require
from vms.api.backend import ApiBackend
from vms.api.problems import problem_responses
from vms.api.routes.params import CameraIdPath
from vms.api.schemas.cameras import CameraCreate, CameraStatusView, CameraUpdate, CameraView
from vms.auth.models import Role
from vms.core.ids import CameraId

ADMIN = [Depends(require(Role.ADMIN))]


def cameras_router(backend: ApiBackend) -> APIRouter:
    """Routes under /cameras; adding, changing and removing take effect at once."""
    router = APIRouter(prefix="/cameras", tags=["cameras"])

    @router.get("", summary="List cameras", responses=problem_responses(503))
    async def list_cameras() -> list[CameraView]:
        return await backend.list_cameras()

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        summary="Add a camera (starts at once)",
        dependencies=ADMIN,
        responses=problem_responses(400, 409, 422, 503),
    )
    async def add_camera(camera: CameraCreate, response: Response) -> CameraView:
        view = await backend.add_camera(camera)
        response.headers["Location"] = f"/api/v1/cameras/{view.id}"
        return view

    @router.get("/{camera_id}", summary="Read a camera", responses=problem_responses(404, 422))
    async def get_camera(camera_id: CameraIdPath) -> CameraView:
        return await backend.get_camera(CameraId(camera_id))

    @router.patch(
        "/{camera_id}",
        summary="Change a camera (only the fields sent)",
        dependencies=ADMIN,
        responses=problem_responses(400, 404, 409, 422, 503),
    )
    async def update_camera(camera_id: CameraIdPath, update: CameraUpdate) -> CameraView:
        return await backend.update_camera(CameraId(camera_id), update)

    @router.delete(
        "/{camera_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Remove a camera (its recordings stay until retention)",
        dependencies=ADMIN,
        responses=problem_responses(404, 409, 422),
    )
    async def remove_camera(camera_id: CameraIdPath) -> Response:
        await backend.remove_camera(CameraId(camera_id))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get(
        "/{camera_id}/status",
        summary="Live status of a camera's streams and recorders",
        responses=problem_responses(404, 422),
    )
    async def camera_status(camera_id: CameraIdPath) -> CameraStatusView:
        return await backend.camera_status(CameraId(camera_id))

    return router
