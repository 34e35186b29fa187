"""An in-memory ApiBackend for testing the HTTP layer only (the real one is tested end to end)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.auth import basic_header, shared_auth
from vms.api import ApiBackend, SegmentFile, create_api
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
from vms.config import CameraConfig
from vms.config.auth import AuthSettings
from vms.core.errors import ConflictError, NotFoundError
from vms.core.ids import CameraId, SegmentId, StreamName

SECRET = "hunter2"


@dataclass
class RecordingsQuery:
    camera_id: CameraId
    start_ms: int | None
    end_ms: int | None
    stream: StreamName | None
    limit: int


@dataclass
class FakeBackend:
    cameras: dict[str, CameraConfig] = field(default_factory=dict)
    segments: dict[int, SegmentFile] = field(default_factory=dict)
    queries: list[RecordingsQuery] = field(default_factory=list)
    readiness_view: ReadinessView = field(
        default_factory=lambda: ReadinessView(
            database=DatabaseCheck(ok=True),
            pools=[PoolCheck(name="default", writable=True, free_bytes=10, total_bytes=20)],
            cameras_up=1,
            cameras_total=2,
        )
    )
    fail_with: Exception | None = None

    def _check(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def _camera(self, camera_id: CameraId) -> CameraConfig:
        self._check()
        if camera_id not in self.cameras:
            raise NotFoundError(f"no camera {camera_id!r}")
        return self.cameras[camera_id]

    async def list_cameras(self) -> list[CameraView]:
        self._check()
        return [CameraView.from_config(c) for c in self.cameras.values()]

    async def get_camera(self, camera_id: CameraId) -> CameraView:
        return CameraView.from_config(self._camera(camera_id))

    async def add_camera(self, camera: CameraCreate) -> CameraView:
        self._check()
        if camera.id in self.cameras:
            raise ConflictError(f"camera {camera.id!r} already exists")
        self.cameras[camera.id] = camera
        return CameraView.from_config(camera)

    async def update_camera(self, camera_id: CameraId, update: CameraUpdate) -> CameraView:
        changed = update.apply(self._camera(camera_id))
        self.cameras[camera_id] = changed
        return CameraView.from_config(changed)

    async def remove_camera(self, camera_id: CameraId) -> None:
        self._camera(camera_id)
        del self.cameras[camera_id]

    async def camera_status(self, camera_id: CameraId) -> CameraStatusView:
        camera = self._camera(camera_id)
        recorder = RecorderStatusView(
            state="recording", bytes_written=10, segments_closed=1, last_error=None
        )
        main = StreamStatusView(
            stream=StreamName.MAIN,
            state="reconnecting",
            fps=25.0,
            bitrate_bps=4e6,
            last_packet_ms=1_700_000_000_000,
            reconnects=2,
            last_error=f"401 from {camera.url_with_credentials(StreamName.MAIN)}",
            codec="h264",
            width=1920,
            height=1080,
            wallclock_source="rtcp",
            recorder=recorder,
        )
        return CameraStatusView(camera_id=camera.id, enabled=camera.enabled, streams=[main])

    async def list_recordings(
        self,
        camera_id: CameraId,
        start_ms: int | None,
        end_ms: int | None,
        stream: StreamName | None,
        limit: int,
    ) -> list[RecordingView]:
        self._camera(camera_id)
        self.queries.append(RecordingsQuery(camera_id, start_ms, end_ms, stream, limit))
        return [
            RecordingView(
                segment_id=s.segment_id,
                camera_id=s.camera_id,
                stream=s.stream,
                start_ms=s.start_ms,
                end_ms=s.end_ms,
                size_bytes=s.size_bytes,
            )
            for s in self.segments.values()
            if s.camera_id == camera_id and (stream is None or s.stream == stream)
        ][:limit]

    async def segment_file(self, segment_id: SegmentId) -> SegmentFile:
        self._check()
        if segment_id not in self.segments:
            raise NotFoundError(f"no recording {segment_id}")
        return self.segments[segment_id]

    async def readiness(self) -> ReadinessView:
        self._check()
        return self.readiness_view

    def add_segment(self, segment_id: int, path: Path, camera_id: str = "gate") -> SegmentFile:
        segment = SegmentFile(
            segment_id=SegmentId(segment_id),
            camera_id=CameraId(camera_id),
            stream=StreamName.MAIN,
            start_ms=1_700_000_000_000,
            end_ms=1_700_000_060_000,
            path=path,
            size_bytes=path.stat().st_size if path.exists() else 0,
        )
        self.segments[segment_id] = segment
        return segment


def make_app(backend: FakeBackend) -> FastAPI:
    checked: ApiBackend = backend  # the fake must satisfy the Protocol
    return create_api(
        checked,
        auth=shared_auth(),
        auth_settings=AuthSettings(),
        metrics=lambda: (b"vms_camera_up 1\n", "text/plain; version=0.0.4"),
        version="9.9",
    )


def client(backend: FakeBackend) -> TestClient:
    """A client signed in as the admin (HTTP Basic on every request)."""
    return TestClient(make_app(backend), raise_server_exceptions=False, headers=basic_header())
