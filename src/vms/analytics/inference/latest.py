"""The last detections of every camera, kept in memory for whoever shows them (the live
overlay): reading them never touches the workers or the tracker."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from vms.analytics.detection import Detection
from vms.core.ids import CameraId

FrameSize = tuple[int, int]  # width, height of the analysed frame the boxes are in


@dataclass(frozen=True, slots=True)
class FrameDetections:
    camera_id: CameraId
    wall_ms: int
    frame_size: FrameSize
    detections: tuple[Detection, ...]


class LatestDetections:
    """One `FrameDetections` per camera, replaced by each newer frame; thread-safe."""

    def __init__(self) -> None:
        self._latest: dict[CameraId, FrameDetections] = {}
        self._lock = threading.Lock()

    def put(
        self, camera_id: CameraId, wall_ms: int, frame_size: FrameSize, found: list[Detection]
    ) -> None:
        with self._lock:
            held = self._latest.get(camera_id)
            if held is None or wall_ms >= held.wall_ms:
                self._latest[camera_id] = FrameDetections(
                    camera_id, wall_ms, frame_size, tuple(found)
                )

    def get(self, camera_id: CameraId) -> FrameDetections | None:
        with self._lock:
            return self._latest.get(camera_id)

    def forget(self, camera_id: CameraId) -> None:
        with self._lock:
            self._latest.pop(camera_id, None)
