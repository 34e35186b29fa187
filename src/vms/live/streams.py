"""Finds the hub of a camera stream for a live viewer, and says clearly why there is none.

Every live protocol starts the same way: the camera must exist (404 otherwise) and be delivering
(503 with the connection's state and last error otherwise, never a hang), so that check lives here
once.
"""

from __future__ import annotations

from typing import Protocol

from vms.core.errors import NotFoundError, UnavailableError
from vms.core.ids import CameraId, StreamName
from vms.ingest.health import SourceHealth
from vms.ingest.hub import StreamHub
from vms.media.packet import StreamInfo


class HubDirectory(Protocol):
    """Where the hubs are; `vms.ingest.supervisor.CameraSupervisor` is one."""

    def hub(self, camera_id: CameraId, stream: StreamName) -> StreamHub | None: ...

    def health(self, camera_id: CameraId) -> dict[StreamName, SourceHealth]: ...

    def camera_ids(self) -> list[CameraId]: ...


class LiveStreams:
    """The hub lookup every live protocol uses."""

    def __init__(self, hubs: HubDirectory) -> None:
        self._hubs = hubs

    def hub(self, camera_id: CameraId, stream: StreamName) -> StreamHub:
        """The hub of a configured camera stream, connected or not; NotFoundError otherwise."""
        hub = self._hubs.hub(camera_id, stream)
        if hub is None:
            if camera_id in self._hubs.camera_ids():
                raise NotFoundError(f"camera {camera_id!r} has no {stream.value} stream")
            raise NotFoundError(f"camera {camera_id!r} does not exist")
        return hub

    def live_hub(self, camera_id: CameraId, stream: StreamName) -> tuple[StreamHub, StreamInfo]:
        """The hub and its current tracks; UnavailableError (503) while the camera is offline."""
        hub = self.hub(camera_id, stream)
        info = hub.info
        if info is None:
            raise UnavailableError(self.offline_reason(camera_id, stream))
        return hub, info

    def offline_reason(self, camera_id: CameraId, stream: StreamName) -> str:
        """'camera cam1 main stream is offline (reconnecting: connection refused)'."""
        health = self._hubs.health(camera_id).get(stream)
        text = f"camera {camera_id!r} {stream.value} stream is offline"
        if health is None:
            return text
        why = health.state.value
        if health.last_error:
            why += f": {health.last_error}"
        return f"{text} ({why})"

    def camera_ids(self) -> list[CameraId]:
        return self._hubs.camera_ids()
