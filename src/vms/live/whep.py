"""WHEP (RFC 9725) live view: an SDP offer in, a WebRTC session sending the camera's H.264 out.

The session is aiortc's RTCPeerConnection with tracks that hand it the hub's packets unchanged
(see `webrtc_tracks`); this module checks the offer against the camera stream, keeps the session
table, and closes a session on DELETE, when its peer fails or leaves, when ICE does not complete
within `live.webrtc.session_timeout_s`, or when the camera stops sending H.264.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from aiortc import RTCPeerConnection, sdp
from aiortc.exceptions import InternalError, InvalidAccessError, InvalidStateError, OperationError

from vms.config.live import WebRtcSettings
from vms.core.clock import Clock
from vms.core.errors import InvalidInputError, UnavailableError, VmsError
from vms.core.ids import CameraId, StreamName
from vms.ingest.hub import StreamHub
from vms.live.metrics import LiveMetrics, LiveProtocol
from vms.live.streams import LiveStreams
from vms.live.webrtc_peer import answer_offer, rtc_configuration
from vms.live.webrtc_sdp import (
    OfferPlan,
    check_camera_video,
    ice_server_links,
    parse_offer,
    plan_offer,
)
from vms.live.webrtc_sessions import SessionTable, WhepSession
from vms.live.webrtc_tracks import HubReader, ReaderHooks, WhepAudioTrack, WhepVideoTrack
from vms.media.packet import MediaKind, StreamInfo

log = logging.getLogger(__name__)
_WEBRTC = LiveProtocol.WEBRTC
STOP_TIMEOUT_S = 10.0
_NEGOTIATION_ERRORS = (ValueError, OperationError, InvalidAccessError, InvalidStateError)


@dataclass(frozen=True, slots=True)
class WhepAnswer:
    """What the POST returns: the session id (for its URL), the SDP answer and ICE server links."""

    session_id: str
    sdp: str
    ice_links: tuple[str, ...]


class WhepService:
    """Opens, tracks and closes WHEP sessions; `stop()` closes them all."""

    def __init__(
        self, settings: WebRtcSettings, streams: LiveStreams, metrics: LiveMetrics, clock: Clock
    ) -> None:
        self._settings = settings
        self._streams = streams
        self._metrics = metrics
        self._clock = clock
        self._table = SessionTable(settings.max_sessions)
        self._interfaces = frozenset(settings.interfaces)
        self._links = tuple(ice_server_links(settings.ice_servers))
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def session_count(self) -> int:
        return len(self._table)

    async def offer(
        self, camera_id: CameraId, stream: StreamName, body: bytes, *, audio: bool
    ) -> WhepAnswer:
        """Answer an SDP offer; the errors say why not (400/404/409/422/503 in the API)."""
        offered_at = self._clock.monotonic()
        offer = parse_offer(body)
        hub, info = self._streams.live_hub(camera_id, stream)
        try:
            plan = _plan(camera_id, info, offer, want_audio=audio)
            session = self._table.reserve(camera_id, stream, offered_at)
        except VmsError:
            self._metrics.session_failed(camera_id, stream, _WEBRTC)
            raise
        try:
            answer = await self._negotiate(session, hub, plan, body.decode("utf-8"))
        except BaseException as exc:
            await self._close(session, failed=True, why=f"negotiation failed: {exc!r}")
            if isinstance(exc, _NEGOTIATION_ERRORS):
                raise InvalidInputError(f"the offer cannot be answered: {exc}") from exc
            raise
        if session.closing:  # the server stopped while the offer was being answered
            raise UnavailableError("the WebRTC service is stopping")
        session.opened = True
        self._metrics.session_opened(camera_id, stream, _WEBRTC)
        session.watchdog = self._spawn(self._watch(session))
        log.info(
            "WebRTC session %s opened for %s/%s (H.264 %s, audio %s)",
            session.session_id,
            camera_id,
            stream,
            plan.profile_level_id,
            plan.audio.mime_type if plan.audio else "none",
        )
        return WhepAnswer(session.session_id, answer, self._links)

    async def delete(self, camera_id: CameraId, session_id: str) -> None:
        """Close a session (DELETE on its URL); NotFoundError for an unknown one."""
        session = self._table.get(camera_id, session_id)
        await self._close(session, failed=False, why="closed by the viewer")

    async def stop(self) -> None:
        """Close every session, then wait for closes already under way (watchdogs end with
        their sessions)."""
        await asyncio.gather(
            *(self._close(s, failed=False, why="server stopping") for s in self._table.sessions())
        )
        if self._tasks:
            _, late = await asyncio.wait(list(self._tasks), timeout=STOP_TIMEOUT_S)
            for task in late:
                task.cancel()

    async def _negotiate(
        self, session: WhepSession, hub: StreamHub, plan: OfferPlan, offer_sdp: str
    ) -> str:
        label = f"webrtc {session.camera_id}/{session.stream} {session.session_id[:8]}"
        hooks = ReaderHooks(
            first_packet=lambda: self._first_packet(session),
            bytes_sent=lambda size: self._metrics.bytes_sent(
                session.camera_id, session.stream, _WEBRTC, size
            ),
            ended=lambda why: self._close_soon(session, failed=True, why=why),
        )
        session.reader = HubReader(hub, label, plan.audio, self._clock, hooks)
        pc = RTCPeerConnection(rtc_configuration(self._settings.ice_servers))
        session.pc = pc
        pc.on("connectionstatechange", lambda: self._state_changed(session))
        audio = WhepAudioTrack(session.reader) if plan.audio is not None else None
        video = WhepVideoTrack(session.reader)
        return await answer_offer(
            pc, offer_sdp, plan, video=video, audio=audio, interfaces=self._interfaces
        )

    def _state_changed(self, session: WhepSession) -> None:
        pc = session.pc
        if pc is None or session.closing:
            return
        state = pc.connectionState
        if state == "connected":
            session.connected.set()
        elif state in ("failed", "closed"):
            self._close_soon(session, failed=state == "failed", why=f"connection {state}")

    async def _watch(self, session: WhepSession) -> None:
        """Close a session whose ICE/DTLS did not complete in time (a peer that never came)."""
        timeout_s = self._settings.session_timeout_s
        try:
            await asyncio.wait_for(session.connected.wait(), timeout_s)
        except TimeoutError:
            await self._close(session, failed=True, why=f"not connected within {timeout_s:g} s")

    def _first_packet(self, session: WhepSession) -> None:
        seconds = self._clock.monotonic() - session.offered_at
        self._metrics.first_frame(session.camera_id, session.stream, _WEBRTC, seconds)

    def _close_soon(self, session: WhepSession, *, failed: bool, why: str) -> None:
        if not session.closing:
            self._spawn(self._close(session, failed=failed, why=why))

    async def _close(self, session: WhepSession, *, failed: bool, why: str) -> None:
        """Free a session at once (its place, its subscription), then close its connection."""
        if session.closing:
            return
        session.closing = True
        self._table.remove(session)
        if session.reader is not None:
            session.reader.close()
        watchdog = session.watchdog
        if watchdog is not None and watchdog is not asyncio.current_task():
            watchdog.cancel()
        if failed:
            self._metrics.session_failed(session.camera_id, session.stream, _WEBRTC)
        if session.opened:
            self._metrics.session_closed(session.camera_id, session.stream, _WEBRTC)
            log.info("WebRTC session %s closed: %s", session.session_id, why)
        if session.pc is not None:
            try:
                # Shielded: cancelling a second close() waiter would cancel aiortc's own
                # "closed" future under the first one.
                await asyncio.shield(session.pc.close())
            except (OSError, InternalError, InvalidStateError):
                log.exception("closing WebRTC session %s", session.session_id)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _plan(
    camera_id: CameraId, info: StreamInfo, offer: sdp.SessionDescription, *, want_audio: bool
) -> OfferPlan:
    """The codecs to answer with for this camera stream and offer (ConflictError for H.265)."""
    video_index = info.video_track
    video = info.tracks[video_index] if video_index is not None else None
    check_camera_video(video, f"/api/v1/cameras/{camera_id}")
    assert video is not None
    audio = next((t for t in info.tracks if t.kind is MediaKind.AUDIO), None)
    return plan_offer(offer, video, audio, want_audio=want_audio)
