"""The playback room's one door for the API: blocking work runs in worker threads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vms.core.errors import InvalidInputError, NotFoundError
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.playback.jobs import ExportJob, ExportJobs
from vms.playback.service import PlaybackService, Playlist, RecordingFile, Timeline
from vms.playback.signing import FileFacts, SiteKey, Verification, sha256_file, verify_envelope


class PlaybackFacade:
    """Satisfies `vms.api.doors.PlaybackDoor`: timeline, VOD, frames, exports, verification."""

    def __init__(self, service: PlaybackService, jobs: ExportJobs, key: SiteKey) -> None:
        self.service = service
        self.jobs = jobs
        self._key = key

    async def timeline(
        self,
        camera: CameraId,
        stream: StreamName,
        start_ms: int,
        end_ms: int,
        bucket_ms: int | None,
    ) -> Timeline:
        return await asyncio.to_thread(
            self.service.timeline, camera, stream, start_ms, end_ms, bucket_ms
        )

    async def playlist(
        self,
        camera: CameraId,
        stream: StreamName,
        start_ms: int,
        end_ms: int,
        uri: Callable[[SegmentId], str],
        *,
        open_uri: Callable[[StreamName, int], str] | None = None,
    ) -> Playlist:
        return await asyncio.to_thread(
            self.service.playlist, camera, stream, start_ms, end_ms, uri, open_uri=open_uri
        )

    async def recording_file(
        self, camera: CameraId, stream: StreamName, start_ms: int
    ) -> RecordingFile:
        return await asyncio.to_thread(self.service.recording_file, camera, stream, start_ms)

    async def frame(
        self, camera: CameraId, stream: StreamName, at_ms: int, width: int | None
    ) -> bytes:
        return await asyncio.to_thread(self.service.frame_jpeg, camera, stream, at_ms, width)

    async def create_export(
        self, camera: CameraId, stream: StreamName, start_ms: int, end_ms: int, requested_by: str
    ) -> ExportJob:
        return await asyncio.to_thread(
            self.jobs.create, camera, stream, start_ms, end_ms, requested_by
        )

    async def get_export(self, export_id: str) -> ExportJob:
        return await asyncio.to_thread(self.jobs.get, export_id)

    async def list_exports(self) -> list[ExportJob]:
        return await asyncio.to_thread(self.jobs.list)

    async def cancel_export(self, export_id: str) -> ExportJob:
        return await asyncio.to_thread(self.jobs.cancel, export_id)

    async def delete_export(self, export_id: str) -> None:
        await asyncio.to_thread(self.jobs.delete, export_id)

    async def export_file(self, export_id: str) -> tuple[ExportJob, Path]:
        job = await self.get_export(export_id)
        if job.state != "done":
            raise NotFoundError(f"export {export_id} has no file ({job.state})")
        return job, self.jobs.file_path(export_id)

    async def export_manifest(self, export_id: str) -> bytes:
        job = await self.get_export(export_id)
        path = self.jobs.manifest_path(export_id)
        if job.state != "done" or not path.is_file():
            raise NotFoundError(f"export {export_id} has no manifest ({job.state})")
        return await asyncio.to_thread(path.read_bytes)

    async def verify(
        self, envelope: dict[str, Any], export_id: str | None, file: FileFacts | None
    ) -> Verification:
        if export_id is not None:
            _job, path = await self.export_file(export_id)
            size = path.stat().st_size
            file = FileFacts(size, await asyncio.to_thread(sha256_file, path))
        if file is None:
            raise InvalidInputError("give export_id, or file_sha256 and file_size_bytes")
        return verify_envelope(envelope, file, [self._key.public_raw])
