"""Live routes over the fMP4 packager: the LL-HLS playlist, init segments, segments and parts,
and MSE over WebSocket (live.mp4)."""

from __future__ import annotations

import asyncio
import contextlib
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, WebSocket
from fastapi.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect

from vms.api.doors import LiveRoom
from vms.api.problems import PROBLEM_JSON, PROBLEM_TYPE_BASE, problem_response, problem_responses
from vms.api.routes.params import CameraIdPath
from vms.api.schemas.problems import Problem
from vms.core.errors import NotFoundError, UnavailableError, VmsError
from vms.core.ids import CameraId, StreamName
from vms.core.redact import redact_text
from vms.live.llhls import HlsRequestError, Media
from vms.live.mse import cancel_quietly

M3U8 = "application/vnd.apple.mpegurl"
MP4 = "video/mp4"
_MEDIA_CACHE = "max-age=60"  # a part's or segment's bytes never change once published
_STREAM = "which camera stream: main or sub"
_CLOSE_TIMEOUT_S = 2.0
_Msn = Annotated[int, Path(ge=0, description="media sequence number of a segment")]


def _client(request: Request) -> str:
    """Who is watching, for the viewer count: address and User-Agent."""
    host = request.client.host if request.client is not None else "?"
    return f"{host} {request.headers.get('user-agent', '')}"


def _media_response(media: Media) -> Response:
    return Response(
        media.data, media_type=media.media_type, headers={"Cache-Control": _MEDIA_CACHE}
    )


router = APIRouter(tags=["live"])


@router.get(
    "/cameras/{camera_id}/live.m3u8",
    summary="Low-Latency HLS playlist (v9, fMP4 parts, blocking reload: _HLS_msn, _HLS_part)",
    response_class=Response,
    responses={200: {"content": {M3U8: {}}}, **problem_responses(400, 404, 503)},
)
async def live_playlist(
    camera_id: CameraIdPath,
    request: Request,
    stream: Annotated[StreamName, Query(description=_STREAM)] = StreamName.MAIN,
    hls_msn: Annotated[
        int | None, Query(alias="_HLS_msn", ge=0, description="wait for this segment")
    ] = None,
    hls_part: Annotated[
        int | None, Query(alias="_HLS_part", ge=0, description="wait for this part of it")
    ] = None,
    *,
    live: LiveRoom,
) -> Response:
    try:
        text = await live.llhls.playlist(
            CameraId(camera_id), stream, _client(request), hls_msn, hls_part
        )
    except HlsRequestError as exc:
        return problem_response(request, status=400, kind="bad-hls-request", detail=str(exc))
    return Response(text, media_type=M3U8, headers={"Cache-Control": "no-cache"})


@router.get(
    "/cameras/{camera_id}/live/{stream}/init-{number}.mp4",
    summary="Init segment (ftyp+moov) of the live fMP4 stream",
    response_class=Response,
    responses={200: {"content": {MP4: {}}}, **problem_responses(404, 503)},
)
async def live_init(
    camera_id: CameraIdPath,
    stream: StreamName,
    number: Annotated[int, Path(ge=0, description="init segment number")],
    request: Request,
    live: LiveRoom,
) -> Response:
    media = await live.llhls.init(CameraId(camera_id), stream, _client(request), number)
    return _media_response(media)


@router.get(
    "/cameras/{camera_id}/live/{stream}/seg-{msn}.mp4",
    summary="A whole live segment (waits for the segment being built)",
    response_class=Response,
    responses={200: {"content": {MP4: {}}}, **problem_responses(404, 503)},
)
async def live_segment(
    camera_id: CameraIdPath, stream: StreamName, msn: _Msn, request: Request, live: LiveRoom
) -> Response:
    media = await live.llhls.segment(CameraId(camera_id), stream, _client(request), msn)
    return _media_response(media)


@router.get(
    "/cameras/{camera_id}/live/{stream}/part-{msn}.{index}.mp4",
    summary="An LL-HLS part (the preload-hinted next part is waited for)",
    response_class=Response,
    responses={200: {"content": {MP4: {}}}, **problem_responses(404, 503)},
)
async def live_part(
    camera_id: CameraIdPath,
    stream: StreamName,
    msn: _Msn,
    index: Annotated[int, Path(ge=0, description="part index within the segment")],
    request: Request,
    *,
    live: LiveRoom,
) -> Response:
    media = await live.llhls.part(CameraId(camera_id), stream, _client(request), msn, index)
    return _media_response(media)


@router.websocket("/cameras/{camera_id}/live.mp4", name="live_mse")
async def live_mse(
    websocket: WebSocket,
    camera_id: CameraIdPath,
    live: LiveRoom,
    stream: StreamName = StreamName.MAIN,
) -> None:
    """MSE: a JSON codecs message, the init segment, then one binary message per fragment."""
    try:
        packager = await live.mse.open(CameraId(camera_id), stream)
    except (NotFoundError, UnavailableError) as exc:
        status = 404 if isinstance(exc, NotFoundError) else 503
        await _refuse(websocket, status, exc)
        return
    await websocket.accept()
    sender = asyncio.create_task(live.mse.run(packager, websocket))
    receiver = asyncio.create_task(_until_closed(websocket))
    done, _pending = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    await cancel_quietly(receiver)
    await cancel_quietly(sender, expected=(WebSocketDisconnect, OSError))
    if sender in done and receiver not in done:  # the packager stopped, or the client stalled
        with contextlib.suppress(Exception):
            async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                await websocket.close(code=1001, reason="the live stream stopped")


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it disconnects."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


async def _refuse(websocket: WebSocket, status: int, exc: VmsError) -> None:
    """Answer the upgrade request with a problem (RFC 9457), or close with a reason."""
    kind = "not-found" if status == 404 else "unavailable"
    body = Problem(
        type=PROBLEM_TYPE_BASE + kind,
        title=HTTPStatus(status).phrase,
        status=status,
        detail=redact_text(str(exc)),
        instance=websocket.url.path,
    )
    response = JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON
    )
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(response)
        return
    await websocket.accept()
    await websocket.close(code=1008 if status == 404 else 1013, reason=body.detail[:120])
