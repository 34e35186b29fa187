"""What the HTTP layer needs from the rest of VMS; implemented by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from vms.api.schemas.cameras import CameraCreate, CameraStatusView, CameraUpdate, CameraView
from vms.api.schemas.health import ReadinessView
from vms.api.schemas.recordings import RecordingView
from vms.core.ids import CameraId, SegmentId, StreamName


@dataclass(frozen=True, slots=True)
class SegmentFile:
    """Where a recorded segment's file is, for download."""

    segment_id: SegmentId
    camera_id: CameraId
    stream: StreamName
    start_ms: int
    end_ms: int
    path: Path
    size_bytes: int  # as indexed; the download uses the file's own size


class ApiBackend(Protocol):
    """Operations behind the REST API. Raise vms.core.errors types: NotFoundError (404),
    ConflictError (409), InvalidInputError (422), StorageUnavailableError (503)."""

    async def list_cameras(self) -> list[CameraView]: ...

    async def get_camera(self, camera_id: CameraId) -> CameraView: ...

    async def add_camera(self, camera: CameraCreate) -> CameraView:
        """Add and start the camera at once (hot add); ConflictError if the id exists."""
        ...

    async def update_camera(self, camera_id: CameraId, update: CameraUpdate) -> CameraView:
        """Apply `update.apply(current)` and restart what changed (hot update)."""
        ...

    async def remove_camera(self, camera_id: CameraId) -> None:
        """Stop the camera and forget its definition; its recordings stay until retention."""
        ...

    async def camera_status(self, camera_id: CameraId) -> CameraStatusView: ...

    async def list_recordings(
        self,
        camera_id: CameraId,
        start_ms: int | None,
        end_ms: int | None,
        stream: StreamName | None,
        limit: int,
    ) -> list[RecordingView]:
        """Segments overlapping [start_ms, end_ms) (None: unbounded), oldest first."""
        ...

    async def segment_file(self, segment_id: SegmentId) -> SegmentFile: ...

    async def readiness(self) -> ReadinessView: ...
