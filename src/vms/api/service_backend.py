"""The real ApiBackend: the REST API over the camera manager, the segment index and the pools."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from vms.api.backend import SegmentFile
from vms.api.schemas.cameras import (
    CameraCreate,
    CameraStatusView,
    CameraUpdate,
    CameraView,
    RecorderStatusView,
    StreamStatusView,
)
from vms.api.schemas.health import DatabaseCheck, PoolCheck, ReadinessView
from vms.api.schemas.recordings import RecordingView
from vms.cameras.manager import CameraManager, CameraStatus
from vms.config.cameras import CameraConfig
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.core.redact import redact_text
from vms.ingest.health import UP_STATES
from vms.storage.index import SegmentIndex
from vms.storage.pools import StoragePools


class ServiceBackend:
    """Implements `vms.api.backend.ApiBackend`; blocking work runs in worker threads."""

    def __init__(
        self, manager: CameraManager, index: SegmentIndex, pools: StoragePools, engine: Engine
    ) -> None:
        self._manager = manager
        self._index = index
        self._pools = pools
        self._engine = engine

    async def list_cameras(self) -> list[CameraView]:
        cameras = await asyncio.to_thread(self._manager.cameras)
        return [CameraView.from_config(c) for c in cameras]

    async def get_camera(self, camera_id: CameraId) -> CameraView:
        return CameraView.from_config(await asyncio.to_thread(self._manager.get, camera_id))

    async def add_camera(self, camera: CameraCreate) -> CameraView:
        config = CameraConfig.model_validate(camera.model_dump())
        return CameraView.from_config(await asyncio.to_thread(self._manager.add, config))

    async def update_camera(self, camera_id: CameraId, update: CameraUpdate) -> CameraView:
        def change() -> CameraConfig:
            return self._manager.replace(update.apply(self._manager.get(camera_id)))

        return CameraView.from_config(await asyncio.to_thread(change))

    async def remove_camera(self, camera_id: CameraId) -> None:
        await asyncio.to_thread(self._manager.remove, camera_id)

    async def camera_status(self, camera_id: CameraId) -> CameraStatusView:
        return _status_view(await asyncio.to_thread(self._manager.status, camera_id))

    async def list_recordings(
        self,
        camera_id: CameraId,
        start_ms: int | None,
        end_ms: int | None,
        stream: StreamName | None,
        limit: int,
    ) -> list[RecordingView]:
        rows = await asyncio.to_thread(
            self._index.query,
            camera_id,
            stream,
            start_ms if start_ms is not None else 0,
            end_ms if end_ms is not None else 2**62,
            limit,
        )
        return [
            RecordingView(
                segment_id=row.id,
                camera_id=row.camera_id,
                stream=row.stream,
                start_ms=row.start_ms,
                end_ms=row.end_ms,
                size_bytes=row.size_bytes,
            )
            for row in rows
        ]

    async def segment_file(self, segment_id: SegmentId) -> SegmentFile:
        row = await asyncio.to_thread(self._index.get, segment_id)
        pool = self._pools.get(row.pool) if row is not None else None
        if row is None or pool is None or row.state != "complete":
            raise NotFoundError(f"recording {segment_id} does not exist")
        return SegmentFile(
            segment_id=row.id,
            camera_id=row.camera_id,
            stream=row.stream,
            start_ms=row.start_ms,
            end_ms=row.end_ms,
            path=pool.root / Path(row.path),
            size_bytes=row.size_bytes,
        )

    async def readiness(self) -> ReadinessView:
        return await asyncio.to_thread(self._readiness)

    def _readiness(self) -> ReadinessView:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            database = DatabaseCheck(ok=True)
        except Exception as exc:
            database = DatabaseCheck(ok=False, detail=redact_text(str(exc)))
        pools = []
        for pool in self._pools:
            reason = pool.check_writable()
            free: int | None = None
            total: int | None = None
            try:
                disk = pool.disk_usage()
                free, total = disk.free_bytes, disk.total_bytes
            except OSError:
                pass
            pools.append(
                PoolCheck(
                    name=pool.name,
                    writable=reason is None,
                    free_bytes=free,
                    total_bytes=total,
                    detail=reason,
                )
            )
        health = self._manager.health()
        up = sum(
            1 for streams in health.values() if any(h.state in UP_STATES for h in streams.values())
        )
        return ReadinessView(
            database=database, pools=pools, cameras_up=up, cameras_total=len(health)
        )


def _status_view(status: CameraStatus) -> CameraStatusView:
    streams = []
    for item in status.streams:
        health = item.health
        recorder = (
            RecorderStatusView(
                state=item.recorder.state.value,
                bytes_written=item.recorder.bytes_written,
                segments_closed=item.recorder.segments_closed,
                last_error=item.recorder.last_error,
            )
            if item.recorder is not None
            else None
        )
        streams.append(
            StreamStatusView(
                stream=item.stream,
                state=health.state.value,
                fps=health.fps,
                bitrate_bps=health.bitrate_bps,
                last_packet_ms=health.last_packet_ms,
                reconnects=health.reconnects,
                failed_attempts=health.failed_attempts,
                degraded_reason=health.degraded_reason,
                last_error=health.last_error,
                codec=health.video_codec,
                width=health.width or None,
                height=health.height or None,
                wallclock_source="rtcp" if health.wallclock_source == "rtcp" else "arrival",
                recorder=recorder,
            )
        )
    return CameraStatusView(
        camera_id=status.camera.id, enabled=status.camera.enabled, streams=streams
    )
