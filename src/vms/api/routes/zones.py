"""Zone and line routes: read and replace the shapes drawn on a camera's picture."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from vms.analytics.zones import zone_issues
from vms.api.auth_deps import Admin
from vms.api.doors import ZonesRoom
from vms.api.errors import FieldIssue, InvalidFieldsError
from vms.api.problems import problem_responses
from vms.api.routes.params import CameraIdPath
from vms.api.schemas.zones import ZoneIn, ZoneOut
from vms.core.ids import CameraId

# Routes under /cameras/{camera_id}/zones; replacing them needs the admin role.
router = APIRouter(prefix="/cameras", tags=["zones"])


@router.get(
    "/{camera_id}/zones",
    summary="A camera's zones and lines, in the order they were saved",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_zones(camera_id: CameraIdPath, zones: ZonesRoom) -> list[ZoneOut]:
    stored = await asyncio.to_thread(zones.list, CameraId(camera_id))
    return [ZoneOut.of(zone) for zone in stored]


@router.put(
    "/{camera_id}/zones",
    summary="Replace a camera's zones and lines with this list (an empty list removes all)",
    responses=problem_responses(401, 403, 404, 422),
)
async def replace_zones(
    camera_id: CameraIdPath, body: list[ZoneIn], _admin: Admin, zones: ZonesRoom
) -> list[ZoneOut]:
    wanted = [item.zone() for item in body]
    issues = [
        FieldIssue("body", "body" if i.index is None else f"[{i.index}].{i.field}", i.detail)
        for i in zone_issues(wanted)
    ]
    if issues:
        raise InvalidFieldsError(issues)
    stored = await asyncio.to_thread(zones.replace, CameraId(camera_id), wanted)
    return [ZoneOut.of(zone) for zone in stored]
