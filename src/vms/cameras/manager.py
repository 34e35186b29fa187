"""CameraManager: add, update and remove cameras while VMS runs (hot), and report their status.

The database holds the definitions; ingest pulls the streams; one recorder per camera records
the chosen stream through its own hub subscription. A failure of one camera's parts never
touches another: sources and recorders run on their own threads and never raise to us.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vms.cameras.cameras_repo import CamerasRepo
from vms.cameras.definitions import (
    config_from_row,
    recorded_stream,
    retention_policy,
    row_from_config,
    spec_from_config,
)
from vms.config.cameras import CameraConfig
from vms.core.errors import ConflictError, NotFoundError
from vms.core.ids import CameraId, StreamName
from vms.ingest.health import SourceHealth
from vms.ingest.supervisor import CameraSupervisor
from vms.recording.modes import RecordingMode
from vms.recording.recorder import PacketFeed, Recorder, RecorderStats
from vms.storage.retention import RetentionPolicy

log = logging.getLogger(__name__)

RecorderFactory = Callable[[CameraId, StreamName, PacketFeed, RecordingMode], Recorder]

# Queue depth of a recorder's hub subscription: ~10 s of 25 fps video plus audio, so an fsync
# stall or a slow disk costs nothing, while a dead disk cannot hold unbounded memory.
RECORDER_QUEUE_ITEMS = 1024


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """One stream of a camera: its connection and, if it is the recorded one, its recorder."""

    stream: StreamName
    health: SourceHealth
    recorder: RecorderStats | None


@dataclass(frozen=True, slots=True)
class CameraStatus:
    camera: CameraConfig
    streams: tuple[StreamStatus, ...]


@dataclass(slots=True)
class _Running:
    config: CameraConfig
    recorder: Recorder | None = None


class CameraManager:
    """The one owner of running cameras; thread-safe, synchronous (the API calls it in threads)."""

    def __init__(
        self,
        repo: CamerasRepo,
        supervisor: CameraSupervisor,
        make_recorder: RecorderFactory,
        *,
        default_retention: RetentionPolicy,
    ) -> None:
        self._repo = repo
        self._supervisor = supervisor
        self._make_recorder = make_recorder
        self._default_retention = default_retention
        self._lock = threading.RLock()
        self._running: dict[CameraId, _Running] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, from_config: Iterable[CameraConfig] = ()) -> None:
        """Store the config file's cameras (the file wins for those ids), then start them all."""
        with self._lock:
            stored = {row.id for row in self._repo.list()}
            for config in from_config:
                row = row_from_config(config)
                if row.id in stored:
                    self._repo.update(row)
                else:
                    self._repo.add(row)
            for row in self._repo.list():
                self._launch(config_from_row(row))

    def stop(self) -> None:
        """Stop every recorder (closing its segment cleanly), then every source."""
        with self._lock:
            for running in self._running.values():
                if running.recorder is not None:
                    running.recorder.stop()
                    running.recorder = None
            self._supervisor.stop_all()
            self._running.clear()

    # -- queries ---------------------------------------------------------------------------

    def cameras(self) -> list[CameraConfig]:
        return [config_from_row(row) for row in self._repo.list()]

    def get(self, camera_id: CameraId) -> CameraConfig:
        return config_from_row(self._repo.get(camera_id))

    def status(self, camera_id: CameraId) -> CameraStatus:
        with self._lock:
            running = self._running.get(camera_id)
            if running is None:
                raise NotFoundError(f"camera {camera_id!r} does not exist")
            health = self._supervisor.health(camera_id)
            recorder = running.recorder
            streams = tuple(
                StreamStatus(
                    stream=stream,
                    health=health[stream],
                    recorder=recorder.stats()
                    if recorder is not None and recorder.stream is stream
                    else None,
                )
                for stream in running.config.streams()
                if stream in health
            )
            return CameraStatus(camera=running.config, streams=streams)

    def retention_policies(self) -> dict[CameraId, RetentionPolicy]:
        with self._lock:
            return {
                camera_id: retention_policy(running.config, self._default_retention)
                for camera_id, running in self._running.items()
            }

    def recorders(self) -> list[Recorder]:
        with self._lock:
            return [r.recorder for r in self._running.values() if r.recorder is not None]

    def health(self) -> dict[CameraId, dict[StreamName, SourceHealth]]:
        with self._lock:
            return {camera_id: self._supervisor.health(camera_id) for camera_id in self._running}

    # -- changes ---------------------------------------------------------------------------

    def add(self, config: CameraConfig) -> CameraConfig:
        """Store and start a new camera; recording starts at once if it is on."""
        with self._lock:
            if config.camera_id in self._running:
                raise ConflictError(f"camera {config.id!r} already exists")
            stored = config_from_row(self._repo.add(row_from_config(config)))
            self._launch(stored)
            log.info("camera %s added", config.id)
            return stored

    def replace(self, config: CameraConfig) -> CameraConfig:
        """Store a changed definition and restart only what changed."""
        with self._lock:
            running = self._running.get(config.camera_id)
            if running is None:
                raise NotFoundError(f"camera {config.id!r} does not exist")
            stored = config_from_row(self._repo.update(row_from_config(config)))
            old = running.config
            if spec_from_config(old) != spec_from_config(stored):
                self._supervisor.update(spec_from_config(stored))
            if (
                recorded_stream(old) != recorded_stream(stored)
                or RecordingMode.of(old) != RecordingMode.of(stored)
                or running.recorder is None
            ):
                self._stop_recorder(running)
                running.config = stored
                self._start_recorder(running)
            running.config = stored
            log.info("camera %s updated", config.id)
            return stored

    def remove(self, camera_id: CameraId) -> None:
        """Stop a camera and forget its definition; its recordings stay until retention."""
        with self._lock:
            running = self._running.pop(camera_id, None)
            if running is None:
                raise NotFoundError(f"camera {camera_id!r} does not exist")
            self._stop_recorder(running)
            self._supervisor.remove(camera_id)
            self._repo.delete(camera_id)
            log.info("camera %s removed", camera_id)

    # -- internals -------------------------------------------------------------------------

    def _launch(self, config: CameraConfig) -> None:
        running = _Running(config)
        self._supervisor.add(spec_from_config(config))
        self._running[config.camera_id] = running
        self._start_recorder(running)

    def _start_recorder(self, running: _Running) -> None:
        stream = recorded_stream(running.config)
        if stream is None:
            return
        hub = self._supervisor.hub(running.config.camera_id, stream)
        if hub is None:
            log.error("camera %s has no %s stream to record", running.config.id, stream.value)
            return
        feed = hub.subscribe(
            f"recorder:{stream.value}", max_items=RECORDER_QUEUE_ITEMS, realtime=False
        )
        mode = RecordingMode.of(running.config)
        recorder = self._make_recorder(running.config.camera_id, stream, feed, mode)
        recorder.start()
        running.recorder = recorder

    @staticmethod
    def _stop_recorder(running: _Running) -> None:
        if running.recorder is not None:
            running.recorder.stop()
            running.recorder = None
