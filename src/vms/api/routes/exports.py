"""Export routes: create, list, inspect, cancel, delete, download (Range) and verify."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from vms.api.auth_deps import Operator
from vms.api.doors import PlaybackRoom
from vms.api.files import MP4, segment_file_response
from vms.api.problems import problem_responses
from vms.api.routes.playback import parse_range
from vms.api.schemas.exports import ExportCreate, ExportView, IssueView, VerifyRequest, VerifyView
from vms.auth.models import User
from vms.cameras.door import SegmentFile
from vms.core.errors import InvalidInputError
from vms.core.ids import CameraId, SegmentId
from vms.playback.jobs import ExportJob
from vms.playback.signing import FileFacts


def _view(job: ExportJob) -> ExportView:
    done = job.state == "done"
    return ExportView(
        id=job.id,
        camera_id=job.camera_id,
        stream=job.stream.value,
        start_ms=job.start_ms,
        end_ms=job.end_ms,
        state=job.state,
        progress=job.progress,
        requested_by=job.requested_by,
        created_ms=job.created_ms,
        finished_ms=job.finished_ms,
        media_start_ms=job.media_start_ms,
        size_bytes=job.size_bytes,
        sha256=job.sha256,
        error=job.error,
        file_url=f"/api/v1/exports/{job.id}/file" if done else None,
        manifest_url=f"/api/v1/exports/{job.id}/manifest" if done else None,
    )


def _requester(user: User, body: ExportCreate) -> str:
    """The signed-in user is the audit trail's who; the body's free text is kept as a note."""
    note = body.requested_by.strip()
    return user.username if note in ("", "api", user.username) else f"{user.username} ({note})"


router = APIRouter(prefix="/exports", tags=["exports"])


@router.post(
    "", status_code=202, summary="Start an export job", responses=problem_responses(404, 422)
)
async def create_export(body: ExportCreate, user: Operator, playback: PlaybackRoom) -> ExportView:
    start_ms, end_ms = parse_range(body.start, body.end)
    job = await playback.create_export(
        CameraId(body.camera), body.stream, start_ms, end_ms, _requester(user, body)
    )
    return _view(job)


@router.get("", summary="Export jobs, newest first")
async def list_exports(playback: PlaybackRoom) -> list[ExportView]:
    return [_view(j) for j in await playback.list_exports()]


@router.post(
    "/verify",
    summary="Verify a signed manifest against an export's file",
    responses=problem_responses(404, 422),
)
async def verify_export(body: VerifyRequest, playback: PlaybackRoom) -> VerifyView:
    facts = None
    if body.export_id is None:
        if body.file_sha256 is None or body.file_size_bytes is None:
            raise InvalidInputError("give export_id, or file_sha256 and file_size_bytes")
        facts = FileFacts(body.file_size_bytes, body.file_sha256.lower())
    result = await playback.verify(body.manifest, body.export_id, facts)
    return VerifyView(
        valid=result.valid,
        key_id=result.key_id,
        trusted_key=result.trusted_key,
        issues=[IssueView(field=i.field, reason=i.reason) for i in result.issues],
    )


@router.get("/{export_id}", summary="An export job", responses=problem_responses(404))
async def get_export(export_id: str, playback: PlaybackRoom) -> ExportView:
    return _view(await playback.get_export(export_id))


@router.post(
    "/{export_id}/cancel", summary="Cancel an export", responses=problem_responses(404, 409)
)
async def cancel_export(export_id: str, playback: PlaybackRoom) -> ExportView:
    return _view(await playback.cancel_export(export_id))


@router.delete(
    "/{export_id}",
    status_code=204,
    summary="Cancel a running export, or delete a finished one and its files",
    responses=problem_responses(404),
)
async def delete_export(export_id: str, playback: PlaybackRoom) -> Response:
    await playback.delete_export(export_id)
    return Response(status_code=204)


@router.get(
    "/{export_id}/file",
    summary="Download the exported MP4 (HTTP Range supported)",
    response_class=Response,
    responses={
        200: {"content": {MP4: {}}},
        206: {"content": {MP4: {}}},
        **problem_responses(404, 416),
    },
)
async def export_file(export_id: str, request: Request, playback: PlaybackRoom) -> Response:
    job, path = await playback.export_file(export_id)
    start_ms = job.media_start_ms or job.start_ms
    item = SegmentFile(
        SegmentId(0), job.camera_id, job.stream, start_ms, job.end_ms, path, job.size_bytes or 0
    )
    return await segment_file_response(request, item)


@router.get(
    "/{export_id}/manifest",
    summary="The export's signed manifest (JSON)",
    response_class=Response,
    responses=problem_responses(404),
)
async def export_manifest(export_id: str, playback: PlaybackRoom) -> Response:
    body = await playback.export_manifest(export_id)
    disposition = f'attachment; filename="{export_id}.manifest.json"'
    return Response(
        body, media_type="application/json", headers={"Content-Disposition": disposition}
    )
