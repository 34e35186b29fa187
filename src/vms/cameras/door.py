"""The cameras room's one door for the API: cameras, their status, their segments and the probe.

The HTTP layer talks to the room only through this facade (it satisfies
`vms.api.doors.CamerasDoor`). Every method is async and runs the manager's or the index's
blocking work in a worker thread, so no route can stall the event loop; answers are the room's
own values (CameraConfig, CameraStatus, SegmentRow), which the API turns into its views.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vms.cameras.manager import CameraManager, CameraStatus
from vms.config.cameras import CameraConfig
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.ingest.probe import ProbeRequest, ProbeResult, ProbeRunner
from vms.storage.index import SegmentIndex, SegmentRow
from vms.storage.pools import StoragePools

_END_OF_TIME_MS = 2**62


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


class CamerasFacade:
    """Raises vms.core.errors types: NotFoundError, ConflictError, InvalidInputError,
    StorageUnavailableError; the API maps each to its HTTP status."""

    def __init__(
        self, manager: CameraManager, index: SegmentIndex, pools: StoragePools, probes: ProbeRunner
    ) -> None:
        self._manager = manager
        self._index = index
        self._pools = pools
        self._probes = probes

    async def list_cameras(self) -> list[CameraConfig]:
        return list(await asyncio.to_thread(self._manager.cameras))

    async def get_camera(self, camera_id: CameraId) -> CameraConfig:
        return await asyncio.to_thread(self._manager.get, camera_id)

    async def add_camera(self, camera: CameraConfig) -> CameraConfig:
        """Add and start the camera at once (hot add); ConflictError if the id exists."""
        return await asyncio.to_thread(self._manager.add, camera)

    async def update_camera(
        self, camera_id: CameraId, change: Callable[[CameraConfig], CameraConfig]
    ) -> CameraConfig:
        """Replace the camera by `change(current)` and restart what changed (hot update); read
        and replace run in one worker call so the change applies to what was just read."""

        def apply() -> CameraConfig:
            return self._manager.replace(change(self._manager.get(camera_id)))

        return await asyncio.to_thread(apply)

    async def remove_camera(self, camera_id: CameraId) -> None:
        """Stop the camera and forget its definition; its segments stay until retention."""
        await asyncio.to_thread(self._manager.remove, camera_id)

    async def camera_status(self, camera_id: CameraId) -> CameraStatus:
        return await asyncio.to_thread(self._manager.status, camera_id)

    async def list_segments(
        self,
        camera_id: CameraId,
        start_ms: int | None,
        end_ms: int | None,
        stream: StreamName | None,
        limit: int,
    ) -> list[SegmentRow]:
        """Segments overlapping [start_ms, end_ms) (None: unbounded), oldest first; a removed
        camera's segments are listed too, until retention deletes them."""
        return await asyncio.to_thread(
            self._index.query,
            camera_id,
            stream,
            start_ms if start_ms is not None else 0,
            end_ms if end_ms is not None else _END_OF_TIME_MS,
            limit,
        )

    async def segment_file(self, segment_id: SegmentId) -> SegmentFile:
        row = await asyncio.to_thread(self._index.get, segment_id)
        pool = self._pools.get(row.pool) if row is not None else None
        if row is None or pool is None or row.state != "complete":
            raise NotFoundError(f"segment {segment_id} does not exist")
        return SegmentFile(
            segment_id=row.id,
            camera_id=row.camera_id,
            stream=row.stream,
            start_ms=row.start_ms,
            end_ms=row.end_ms,
            path=pool.root / Path(row.path),
            size_bytes=row.size_bytes,
        )

    async def probe(self, request: ProbeRequest, timeout_s: float) -> ProbeResult:
        """Test a stream before it is saved; ProbeBusyError, ProbeTimedOutError or
        InvalidInputError (the camera's answer, redacted) when it cannot."""
        return await self._probes.probe(request, timeout_s)
