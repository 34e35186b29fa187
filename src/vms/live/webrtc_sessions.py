"""The table of open WHEP sessions: ids, the session limit, and one session's moving parts."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from aiortc import RTCPeerConnection

from vms.core.errors import NotFoundError, UnavailableError
from vms.core.ids import CameraId, StreamName
from vms.live.webrtc_tracks import HubReader

SESSION_ID_BYTES = 16


@dataclass(slots=True, eq=False)
class WhepSession:
    """One viewer's session: its peer connection, hub reader and life-cycle flags (mutable)."""

    session_id: str
    camera_id: CameraId
    stream: StreamName
    offered_at: float  # Clock.monotonic() when the offer arrived
    pc: RTCPeerConnection | None = None
    reader: HubReader | None = None
    watchdog: asyncio.Task[None] | None = None
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    opened: bool = False  # answered and counted as a viewer
    closing: bool = False


class SessionTable:
    """Open sessions by id; a place is taken before negotiating, so the limit is never passed."""

    def __init__(self, max_sessions: int) -> None:
        self._max = max_sessions
        self._sessions: dict[str, WhepSession] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def reserve(self, camera_id: CameraId, stream: StreamName, offered_at: float) -> WhepSession:
        """A new session with a fresh unguessable id; UnavailableError (503) when full."""
        if len(self._sessions) >= self._max:
            raise UnavailableError(
                f"{self._max} WebRTC sessions are open (live.webrtc.max_sessions); "
                "try again later or use LL-HLS"
            )
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
        session = WhepSession(session_id, camera_id, stream, offered_at)
        self._sessions[session_id] = session
        return session

    def get(self, camera_id: CameraId, session_id: str) -> WhepSession:
        """The session of this camera with this id; NotFoundError otherwise."""
        session = self._sessions.get(session_id)
        if session is None or session.camera_id != camera_id:
            raise NotFoundError(f"camera {camera_id!r} has no WebRTC session {session_id!r}")
        return session

    def remove(self, session: WhepSession) -> None:
        if self._sessions.get(session.session_id) is session:
            del self._sessions[session.session_id]

    def sessions(self) -> list[WhepSession]:
        return list(self._sessions.values())
