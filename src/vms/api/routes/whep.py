"""WHEP routes (RFC 9725): POST an SDP offer to open a WebRTC live view, DELETE to end it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from starlette.exceptions import HTTPException

from vms.api.doors import LiveRoom
from vms.api.problems import problem_responses
from vms.api.routes.params import CameraIdPath
from vms.core.ids import CameraId, StreamName
from vms.live.webrtc_sdp import MAX_OFFER_BYTES, MalformedOfferError

SDP = "application/sdp"
SessionIdPath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="id of a WHEP session")
]
_OFFER_BODY = {
    "requestBody": {
        "required": True,
        "description": "the viewer's SDP offer (recvonly H.264 video, optionally audio)",
        "content": {SDP: {"schema": {"type": "string"}}},
    }
}


router = APIRouter(prefix="/cameras/{camera_id}/whep", tags=["live"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Open a WebRTC live view (WHEP): SDP offer in, SDP answer out",
    description=(
        "The camera's H.264 is sent as it comes (no re-encoding), starting on the cached "
        "keyframe. All ICE candidates are in the answer (no trickle ICE). The Location "
        "header is the session URL; DELETE it to stop. H.265 cameras get 409: use LL-HLS."
    ),
    response_class=Response,
    responses={
        201: {"content": {SDP: {}}, "description": "the SDP answer"},
        **problem_responses(400, 404, 409, 413, 415, 422, 503),
    },
    openapi_extra=_OFFER_BODY,
)
async def whep_offer(
    camera_id: CameraIdPath,
    request: Request,
    live: LiveRoom,
    stream: StreamName = StreamName.MAIN,
    audio: Annotated[
        bool, Query(description="also send the camera's audio (AAC is re-encoded to Opus)")
    ] = False,
) -> Response:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != SDP:
        raise HTTPException(415, f"the offer must be sent as {SDP}, not {media_type!r}")
    body = await request.body()
    if len(body) > MAX_OFFER_BYTES:
        raise HTTPException(413, f"the offer is larger than {MAX_OFFER_BYTES} bytes")
    try:
        answer = await live.whep.offer(CameraId(camera_id), stream, body, audio=audio)
    except MalformedOfferError as exc:
        raise HTTPException(400, str(exc)) from exc
    response = Response(answer.sdp, status_code=status.HTTP_201_CREATED, media_type=SDP)
    response.headers["Location"] = f"/api/v1/cameras/{camera_id}/whep/{answer.session_id}"
    for link in answer.ice_links:
        response.headers.append("Link", link)
    return response


@router.delete(
    "/{session_id}",
    summary="Stop a WebRTC live view",
    response_class=Response,
    responses={200: {"description": "the session is closed"}, **problem_responses(404, 422)},
)
async def whep_delete(
    camera_id: CameraIdPath, session_id: SessionIdPath, live: LiveRoom
) -> Response:
    await live.whep.delete(CameraId(camera_id), session_id)
    return Response(status_code=status.HTTP_200_OK)


@router.patch(
    "/{session_id}",
    summary="Trickle ICE / ICE restart: not supported (405)",
    status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
    response_class=Response,
    responses=problem_responses(405),
)
async def whep_patch(camera_id: CameraIdPath, session_id: SessionIdPath) -> Response:
    raise HTTPException(
        405,
        "trickle ICE and ICE restarts are not supported: the answer carries every candidate",
        headers={"Allow": "DELETE"},
    )
