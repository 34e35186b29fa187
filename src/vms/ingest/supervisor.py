"""Runs the Sources of every camera (main and sub stream), hot add/update/remove, health on the bus.

Thread-level and synchronous: the app calls it through asyncio.to_thread. Hubs outlive Sources, so
a URL change restarts only the connection and every subscriber stays attached.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from vms.core.bus import Bus, SourceHealthChanged
from vms.core.camera_url import CameraUrl
from vms.core.clock import Clock
from vms.core.errors import ConflictError, NotFoundError
from vms.core.ids import CameraId, StreamName
from vms.core.service import Backoff
from vms.ingest.health import IDLE_HEALTH, SourceHealth
from vms.ingest.hub import StreamHub
from vms.ingest.source import Source

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CameraSpec:
    """What to pull from one camera."""

    camera_id: CameraId
    main_url: CameraUrl  # credentials included: parsed once where the camera was defined
    sub_url: CameraUrl | None
    transport: Literal["tcp", "udp"]
    enabled: bool

    def urls(self) -> dict[StreamName, CameraUrl]:
        out = {StreamName.MAIN: self.main_url}
        if self.sub_url:
            out[StreamName.SUB] = self.sub_url
        return out


class _Camera:
    """One camera's hubs (kept across restarts) and its running Sources."""

    def __init__(self, spec: CameraSpec) -> None:
        self.spec = spec
        self.hubs: dict[StreamName, StreamHub] = {}
        self.sources: dict[StreamName, Source] = {}


class CameraSupervisor:
    """Owns every camera's Sources and hubs; one camera failing never affects another."""

    def __init__(
        self,
        *,
        clock: Clock,
        bus: Bus,
        backoff: Backoff = Backoff(initial_s=0.5, cap_s=30.0),  # noqa: B008 (frozen value)
        io_timeout_s: float = 10.0,
    ) -> None:
        self._clock = clock
        self._bus = bus
        self._backoff = backoff
        self._io_timeout_s = io_timeout_s
        self._lock = threading.RLock()
        self._cameras: dict[CameraId, _Camera] = {}

    def add(self, spec: CameraSpec) -> None:
        """Start a camera's Source(s); ConflictError if the id is already present."""
        with self._lock:
            if spec.camera_id in self._cameras:
                raise ConflictError(f"camera {spec.camera_id!r} already exists")
            camera = _Camera(spec)
            self._cameras[spec.camera_id] = camera
            for stream in spec.urls():
                camera.hubs[stream] = StreamHub(f"{spec.camera_id}/{stream}")
                if spec.enabled:
                    self._start_source(camera, stream)
        log.info("camera %s added (%s)", spec.camera_id, "enabled" if spec.enabled else "disabled")

    def update(self, spec: CameraSpec) -> None:
        """Apply a new spec, restarting only the streams whose URL, transport or switch changed.

        Old Sources are stopped outside the lock (a stop may wait for a read), then the new
        ones start on the same hubs, so subscribers stay attached across the change.
        """
        with self._lock:
            camera = self._cameras.get(spec.camera_id)
            if camera is None:
                raise NotFoundError(f"camera {spec.camera_id!r} does not exist")
            old, camera.spec = camera.spec, spec
            old_urls, new_urls = old.urls(), spec.urls()
            stopping = [
                camera.sources.pop(stream)
                for stream, url in old_urls.items()
                if stream in camera.sources
                and (
                    url != new_urls.get(stream)
                    or spec.transport != old.transport
                    or not spec.enabled
                )
            ]
            removed = [camera.hubs.pop(s) for s in old_urls if s not in new_urls]
        for source in stopping:
            source.stop()
        for hub in removed:
            hub.end("stream removed from the camera")
        with self._lock:
            if self._cameras.get(spec.camera_id) is not camera or camera.spec is not spec:
                return  # removed or updated again meanwhile; that call owns the sources
            for stream in new_urls:
                camera.hubs.setdefault(stream, StreamHub(f"{spec.camera_id}/{stream}"))
                if spec.enabled and stream not in camera.sources:
                    self._start_source(camera, stream)

    def remove(self, camera_id: CameraId) -> None:
        """Stop a camera's Sources and end its hubs; NotFoundError if absent."""
        with self._lock:
            camera = self._cameras.pop(camera_id, None)
        if camera is None:
            raise NotFoundError(f"camera {camera_id!r} does not exist")
        self._stop_camera(camera)
        log.info("camera %s removed", camera_id)

    def hub(self, camera_id: CameraId, stream: StreamName) -> StreamHub | None:
        with self._lock:
            camera = self._cameras.get(camera_id)
            return None if camera is None else camera.hubs.get(stream)

    def health(self, camera_id: CameraId) -> dict[StreamName, SourceHealth]:
        """Health per stream ({} for an unknown camera; idle for a disabled one)."""
        with self._lock:
            camera = self._cameras.get(camera_id)
            if camera is None:
                return {}
            sources = dict(camera.sources)
            streams = list(camera.hubs)
        return {s: sources[s].health() if s in sources else IDLE_HEALTH for s in streams}

    def camera_ids(self) -> list[CameraId]:
        with self._lock:
            return sorted(self._cameras)

    def stop_all(self) -> None:
        """Stop every camera: signal all Sources first, then wait for each."""
        with self._lock:
            cameras = list(self._cameras.values())
            self._cameras.clear()
        for camera in cameras:
            for source in camera.sources.values():
                source.signal_stop()
        for camera in cameras:
            self._stop_camera(camera)

    def _stop_camera(self, camera: _Camera) -> None:
        for stream in list(camera.sources):
            self._stop_source(camera, stream)
        for hub in camera.hubs.values():
            hub.end("camera removed")

    def _start_source(self, camera: _Camera, stream: StreamName) -> None:
        spec = camera.spec
        source = Source(
            spec.camera_id,
            stream,
            spec.urls()[stream],
            camera.hubs[stream],
            transport=spec.transport,
            clock=self._clock,
            backoff=self._backoff,
            io_timeout_s=self._io_timeout_s,
            on_health=self._health_publisher(spec.camera_id, stream),
        )
        camera.sources[stream] = source
        source.start()

    def _stop_source(self, camera: _Camera, stream: StreamName) -> None:
        source = camera.sources.pop(stream, None)
        if source is not None:
            source.stop()

    def _health_publisher(
        self, camera_id: CameraId, stream: StreamName
    ) -> Callable[[SourceHealth], None]:
        def publish(health: SourceHealth) -> None:
            self._bus.publish(
                SourceHealthChanged(
                    camera_id=camera_id,
                    stream=stream,
                    state=str(health.state),
                    error=health.last_error,
                )
            )

        return publish
