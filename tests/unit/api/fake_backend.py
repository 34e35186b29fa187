"""In-memory doors for testing the HTTP layer only (the real ones are tested end to end)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.auth import basic_header, shared_auth
from vms.api import Doors, create_api
from vms.api.doors import CamerasDoor, SystemDoor
from vms.cameras.door import SegmentFile
from vms.cameras.manager import CameraStatus, StreamStatus
from vms.cameras.system import PoolState, PoolUsage, Readiness
from vms.config import CameraConfig
from vms.core.clock import SystemClock
from vms.core.errors import ConflictError, NotFoundError, UnavailableError
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.ingest.health import SourceHealth, SourceState
from vms.ingest.probe import ProbeRequest, ProbeResult, ProbeRunner
from vms.recording.recorder import RecorderState, RecorderStats
from vms.storage.index import SegmentRow
from vms.telemetry.history import HistoryWindow
from vms.telemetry.providers import CameraStreamSample

SECRET = "hunter2"
READY = Readiness(
    database_ok=True,
    database_detail=None,
    pools=(PoolState(name="default", writable=True, free_bytes=10, total_bytes=20),),
    cameras_up=1,
    cameras_total=2,
)


@dataclass
class SegmentsQuery:
    camera_id: CameraId
    start_ms: int | None
    end_ms: int | None
    stream: StreamName | None
    limit: int


@dataclass
class FakeBackend:
    """The cameras door over dicts (the probe is the real one), and the readiness the fake
    system door reports."""

    cameras: dict[str, CameraConfig] = field(default_factory=dict)
    segments: dict[int, SegmentFile] = field(default_factory=dict)
    queries: list[SegmentsQuery] = field(default_factory=list)
    readiness: Readiness = READY
    fail_with: Exception | None = None
    probes: ProbeRunner = field(default_factory=lambda: ProbeRunner(SystemClock()))

    def _check(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def _camera(self, camera_id: CameraId) -> CameraConfig:
        self._check()
        if camera_id not in self.cameras:
            raise NotFoundError(f"no camera {camera_id!r}")
        return self.cameras[camera_id]

    async def list_cameras(self) -> list[CameraConfig]:
        self._check()
        return list(self.cameras.values())

    async def get_camera(self, camera_id: CameraId) -> CameraConfig:
        return self._camera(camera_id)

    async def add_camera(self, camera: CameraConfig) -> CameraConfig:
        self._check()
        if camera.id in self.cameras:
            raise ConflictError(f"camera {camera.id!r} already exists")
        self.cameras[camera.id] = camera
        return camera

    async def update_camera(
        self, camera_id: CameraId, change: Callable[[CameraConfig], CameraConfig]
    ) -> CameraConfig:
        changed = change(self._camera(camera_id))
        self.cameras[camera_id] = changed
        return changed

    async def remove_camera(self, camera_id: CameraId) -> None:
        self._camera(camera_id)
        del self.cameras[camera_id]

    async def camera_status(self, camera_id: CameraId) -> CameraStatus:
        camera = self._camera(camera_id)
        health = SourceHealth(
            state=SourceState.RECONNECTING,
            fps=25.0,
            bitrate_bps=4e6,
            last_packet_ms=1_700_000_000_000,
            reconnects=2,
            last_error=f"401 from {camera.camera_url(StreamName.MAIN).with_credentials()}",
            connected_since_ms=None,
            video_codec="h264",
            width=1920,
            height=1080,
            wallclock_source="rtcp",
        )
        recorder = RecorderStats(
            bytes_written=10,
            segments_closed=1,
            packets_written=3,
            packets_discarded=0,
            fsync_count=1,
            fsync_seconds_total=0.0,
            fsync_max_s=0.0,
            state=RecorderState.RECORDING,
            last_error=None,
            storage_errors=0,
        )
        return CameraStatus(camera, (StreamStatus(StreamName.MAIN, health, recorder),))

    async def list_segments(
        self,
        camera_id: CameraId,
        start_ms: int | None,
        end_ms: int | None,
        stream: StreamName | None,
        limit: int,
    ) -> list[SegmentRow]:
        """Oldest first, overlapping [start_ms, end_ms), as the real door lists them."""
        self._camera(camera_id)
        self.queries.append(SegmentsQuery(camera_id, start_ms, end_ms, stream, limit))
        return [
            _row(s)
            for s in sorted(self.segments.values(), key=lambda s: s.start_ms)
            if s.camera_id == camera_id
            and (stream is None or s.stream == stream)
            and (start_ms is None or s.end_ms > start_ms)
            and (end_ms is None or s.start_ms < end_ms)
        ][:limit]

    async def segment_file(self, segment_id: SegmentId) -> SegmentFile:
        self._check()
        if segment_id not in self.segments:
            raise NotFoundError(f"no segment {segment_id}")
        return self.segments[segment_id]

    async def probe(self, request: ProbeRequest, timeout_s: float) -> ProbeResult:
        return await self.probes.probe(request, timeout_s)  # the real one: no camera is faked

    def add_segment(
        self,
        segment_id: int,
        path: Path,
        camera_id: str = "gate",
        start_ms: int = 1_700_000_000_000,
        end_ms: int = 1_700_000_060_000,
    ) -> SegmentFile:
        segment = SegmentFile(
            segment_id=SegmentId(segment_id),
            camera_id=CameraId(camera_id),
            stream=StreamName.MAIN,
            start_ms=start_ms,
            end_ms=end_ms,
            path=path,
            size_bytes=path.stat().st_size if path.exists() else 0,
        )
        self.segments[segment_id] = segment
        return segment


def _row(segment: SegmentFile) -> SegmentRow:
    return SegmentRow(
        id=segment.segment_id,
        camera_id=segment.camera_id,
        stream=segment.stream,
        start_ms=segment.start_ms,
        end_ms=segment.end_ms,
        duration_ms=segment.end_ms - segment.start_ms,
        size_bytes=segment.size_bytes,
        video_codec="h264",
        audio_codec=None,
        width=1920,
        height=1080,
        path=segment.path.name,
        pool="default",
        state="complete",
        frames=1500,
    )


@dataclass
class FakeSystem:
    """The system door: the backend's readiness and a fixed Prometheus body; no history."""

    backend: FakeBackend
    version: str = "9.9"

    async def readiness(self) -> Readiness:
        self.backend._check()
        return self.backend.readiness

    async def prometheus(self) -> tuple[bytes, str]:
        return b"vms_camera_up 1\n", "text/plain; version=0.0.4"

    async def metrics_history(
        self, window_s: int, step_s: int, names: Iterable[str] | None
    ) -> HistoryWindow:
        raise UnavailableError("this fake keeps no history")

    async def camera_samples(self) -> Sequence[CameraStreamSample]:
        return []

    async def pool_usage(self) -> list[PoolUsage]:
        return []

    def uptime_ms(self) -> int:
        return 0


def make_app(backend: FakeBackend, **doors: Any) -> FastAPI:
    """The API over `backend` and a fake system door; `doors` adds or replaces others."""
    cameras: CamerasDoor = backend  # the fakes must satisfy the Protocols
    system: SystemDoor = FakeSystem(backend)
    wired: dict[str, Any] = {"auth": shared_auth(), "cameras": cameras, "system": system}
    return create_api(Doors(**(wired | doors)), version="9.9")


def client(backend: FakeBackend) -> TestClient:
    """A client signed in as the admin (HTTP Basic on every request)."""
    return TestClient(make_app(backend), raise_server_exceptions=False, headers=basic_header())
