"""Zone and line routes: read and replace the shapes drawn on a camera's picture."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from vms.api.auth_deps import Admin
from vms.api.errors import FieldIssue, InvalidFieldsError
from vms.api.problems import problem_responses
from vms.api.routes.params import CameraIdPath
from vms.api.routes.system import system_of
from vms.api.schemas.zones import ZoneIn, ZoneOut
from vms.core.ids import CameraId
from vms.db.zones_repo import zone_issues


def zones_router() -> APIRouter:
    """Routes under /cameras/{camera_id}/zones; replacing them needs the admin role."""
    router = APIRouter(prefix="/cameras", tags=["zones"])

    @router.get(
        "/{camera_id}/zones",
        summary="A camera's zones and lines, in the order they were saved",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def list_zones(camera_id: CameraIdPath, request: Request) -> list[ZoneOut]:
        zones = await asyncio.to_thread(system_of(request).zones.list, CameraId(camera_id))
        return [ZoneOut.of(zone) for zone in zones]

    @router.put(
        "/{camera_id}/zones",
        summary="Replace a camera's zones and lines with this list (an empty list removes all)",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def replace_zones(
        camera_id: CameraIdPath, body: list[ZoneIn], request: Request, _admin: Admin
    ) -> list[ZoneOut]:
        zones = [item.zone() for item in body]
        issues = [
            FieldIssue("body", "body" if i.index is None else f"[{i.index}].{i.field}", i.detail)
            for i in zone_issues(zones)
        ]
        if issues:
            raise InvalidFieldsError(issues)
        repo = system_of(request).zones
        stored = await asyncio.to_thread(repo.replace, CameraId(camera_id), zones)
        return [ZoneOut.of(zone) for zone in stored]

    return router
