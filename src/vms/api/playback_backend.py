"""What the playback and export routes need; implemented by vms.playback.facade.PlaybackFacade."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from vms.core.ids import CameraId, SegmentId, StreamName
from vms.playback.jobs import ExportJob
from vms.playback.service import Playlist, RecordingFile, Timeline
from vms.playback.signing import FileFacts, Verification


class PlaybackBackend(Protocol):
    """Raise vms.core.errors types (NotFoundError 404, InvalidInputError 422, ConflictError 409)."""

    async def timeline(
        self,
        camera: CameraId,
        stream: StreamName,
        start_ms: int,
        end_ms: int,
        bucket_ms: int | None,
    ) -> Timeline: ...

    async def playlist(
        self,
        camera: CameraId,
        stream: StreamName,
        start_ms: int,
        end_ms: int,
        uri: Callable[[SegmentId], str],
        *,
        open_uri: Callable[[StreamName, int], str] | None = None,
    ) -> Playlist: ...

    async def recording_file(
        self, camera: CameraId, stream: StreamName, start_ms: int
    ) -> RecordingFile: ...

    async def frame(
        self, camera: CameraId, stream: StreamName, at_ms: int, width: int | None
    ) -> bytes: ...

    async def create_export(
        self, camera: CameraId, stream: StreamName, start_ms: int, end_ms: int, requested_by: str
    ) -> ExportJob: ...

    async def get_export(self, export_id: str) -> ExportJob: ...

    async def list_exports(self) -> list[ExportJob]: ...

    async def cancel_export(self, export_id: str) -> ExportJob: ...

    async def delete_export(self, export_id: str) -> None: ...

    async def export_file(self, export_id: str) -> tuple[ExportJob, Path]: ...

    async def export_manifest(self, export_id: str) -> bytes: ...

    async def verify(
        self, envelope: dict[str, Any], export_id: str | None, file: FileFacts | None
    ) -> Verification: ...
