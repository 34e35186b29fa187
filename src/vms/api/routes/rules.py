"""Rule routes: read and replace the rules a camera's tracks are judged by; and what the
tracker sees on a camera now (the live overlay)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from vms.analytics.rules_repo import RulesRejectedError
from vms.api.auth_deps import Admin
from vms.api.doors import AnalyticsRoom, RulesRoom
from vms.api.errors import FieldIssue, InvalidFieldsError
from vms.api.problems import problem_responses
from vms.api.routes.params import CameraIdPath
from vms.api.schemas.rules import DetectionsView, RulesIn, RulesView
from vms.core.ids import CameraId

# Routes under /cameras/{camera_id}/rules; replacing them needs the admin role, as zones do.
router = APIRouter(prefix="/cameras", tags=["rules"])


@router.get(
    "/{camera_id}/rules",
    summary="A camera's rules, with those its current zones no longer allow",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_rules(camera_id: CameraIdPath, rules: RulesRoom) -> RulesView:
    stored = await asyncio.to_thread(rules.list, CameraId(camera_id))
    return RulesView.of(stored)


@router.put(
    "/{camera_id}/rules",
    summary="Replace a camera's rules with this list (an empty list removes all); every rule "
    "must name a zone or line the camera has",
    responses=problem_responses(401, 403, 404, 422),
)
async def replace_rules(
    camera_id: CameraIdPath, body: RulesIn, _admin: Admin, rules: RulesRoom
) -> RulesView:
    try:
        stored = await asyncio.to_thread(rules.replace, CameraId(camera_id), body.rules)
    except RulesRejectedError as rejected:
        raise InvalidFieldsError(
            [
                FieldIssue(
                    "body",
                    "rules" if i.index is None else f"rules[{i.index}].{i.field}",
                    i.detail,
                )
                for i in rejected.issues
            ]
        ) from None
    return RulesView.of(stored)


@router.get(
    "/{camera_id}/detections",
    summary="The objects tracked in the camera's latest analysed frame, with their track ids",
    responses=problem_responses(401, 403, 422),
)
async def latest_detections(camera_id: CameraIdPath, analytics: AnalyticsRoom) -> DetectionsView:
    return DetectionsView.of(analytics.scene_objects(CameraId(camera_id)))
