"""Tracking and rules for every detecting camera, on one thread of their own.

The inference pool's collector thread hands each camera's detections over in frame order and
must never wait (`AnalyticsService.add_detections_listener`); tracking, the rules, JPEG encoding
and the bus publish happen here instead. The picture itself never came back from the worker (it
saw a copy in shared memory), so the frames submitted for detection are held here until their
detections return: the snapshot and the sharpness of a track's best shot need them. A frame the
pool refused or lost is released when a later frame's detections arrive.

One thread serves all cameras: at 5 fps a frame costs about 2 ms here (bench/tracking.py), so
eight cameras take under a tenth of it. When it still falls behind, the oldest queued frames are
dropped and counted (`frames_dropped`), never the collector's time.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vms.analytics.detection import Box, Detection, FrameBGR
from vms.analytics.inference.latest import FrameSize
from vms.analytics.rules import Rule
from vms.analytics.scene_events import Publish, ScenePipeline, SceneSettings
from vms.analytics.zones import Zone
from vms.core.ids import CameraId

log = logging.getLogger(__name__)

HELD_FRAMES = 16  # per camera: more than a worker's slots, so a frame in flight is always held
QUEUE_FRAMES = 256


@dataclass(frozen=True, slots=True)
class SceneObject:
    """One tracked object as the live overlay draws it."""

    label: str
    score: float
    box: Box  # pixels of the analysed frame
    track_id: int


@dataclass(frozen=True, slots=True)
class SceneObjects:
    """The objects tracked in a camera's latest analysed frame."""

    wall_ms: int
    frame_size: FrameSize
    objects: tuple[SceneObject, ...]


@dataclass(frozen=True, slots=True)
class _Analysed:
    camera_id: CameraId
    wall_ms: int
    frame: FrameBGR
    detections: tuple[Detection, ...]


class SceneRunner:
    """Per camera a `ScenePipeline`, fed on one thread; `start` and `stop` it with the taps."""

    def __init__(
        self,
        publish: Publish,
        timezone: str,
        rules: Callable[[CameraId], Sequence[Rule]],
        fps: float,
    ) -> None:
        self._publish = publish
        self._timezone = timezone
        self._rules = rules
        self._settings = SceneSettings(fps=fps)
        self._pipelines: dict[CameraId, ScenePipeline] = {}
        self._held: dict[CameraId, deque[tuple[int, FrameBGR]]] = {}
        self._latest: dict[CameraId, SceneObjects] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Analysed | None] = queue.Queue(QUEUE_FRAMES)
        self._thread: threading.Thread | None = None
        self.frames_dropped = 0
        self.frames_unpaired = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scenes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the queued frames, then close every open rule event."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        for camera_id in list(self._pipelines):
            self.forget(camera_id)

    # -- from the service's reconcile pass (blocking reads are fine there)
    def configure(self, camera_id: CameraId, zones: Sequence[Zone]) -> None:
        """Run the camera's stored rules over these zones from its next frame on."""
        rules = self._rules(camera_id)
        with self._lock:
            pipeline = self._pipelines.get(camera_id)
            if pipeline is None:
                pipeline = ScenePipeline(
                    camera_id, self._publish, self._timezone, settings=self._settings
                )
                self._pipelines[camera_id] = pipeline
                self._held[camera_id] = deque(maxlen=HELD_FRAMES)
        pipeline.configure(rules, zones)

    def forget(self, camera_id: CameraId) -> None:
        """The camera is no longer analysed: its open events close, its frames are released."""
        with self._lock:
            pipeline = self._pipelines.pop(camera_id, None)
            self._held.pop(camera_id, None)
            self._latest.pop(camera_id, None)
        if pipeline is not None:
            try:
                pipeline.finish()
            except Exception:
                log.exception("closing the rule events of %s failed", camera_id)

    def issues(self, camera_id: CameraId) -> list[tuple[int, str]]:
        with self._lock:
            pipeline = self._pipelines.get(camera_id)
        return pipeline.issues if pipeline is not None else []

    # -- from the tap (its own thread) and the pool's collector
    def hold(self, camera_id: CameraId, frame: FrameBGR, wall_ms: int) -> None:
        """Keep a frame about to be submitted until its detections come back."""
        with self._lock:
            held = self._held.get(camera_id)
            if held is not None:
                held.append((wall_ms, frame))

    def on_detections(
        self, camera_id: CameraId, wall_ms: int, size: FrameSize, found: list[Detection]
    ) -> None:
        del size  # the held frame says it
        frame = self._take(camera_id, wall_ms)
        if frame is None:
            self.frames_unpaired += 1
            return
        item = _Analysed(camera_id, wall_ms, frame, tuple(found))
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.frames_dropped += 1
                except queue.Empty:
                    pass

    def latest(self, camera_id: CameraId) -> SceneObjects | None:
        with self._lock:
            return self._latest.get(camera_id)

    def _take(self, camera_id: CameraId, wall_ms: int) -> FrameBGR | None:
        """The held frame of `wall_ms`; older ones (refused or lost by the pool) are released."""
        with self._lock:
            held = self._held.get(camera_id)
            while held:
                held_ms, frame = held.popleft()
                if held_ms == wall_ms:
                    return frame
                if held_ms > wall_ms:
                    held.appendleft((held_ms, frame))
                    break
        return None

    # -- the scene thread
    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            with self._lock:
                pipeline = self._pipelines.get(item.camera_id)
            if pipeline is None:
                continue
            try:
                pipeline.on_detections(item.wall_ms, item.frame, item.detections)
            except Exception:
                log.exception("tracking or rules failed on %s", item.camera_id)
                continue
            height, width = item.frame.shape[:2]
            objects = tuple(
                SceneObject(t.label, t.score, t.box, t.track_id)
                for t in pipeline.tracks
                if t.visible
            )
            with self._lock:
                if item.camera_id in self._pipelines:
                    self._latest[item.camera_id] = SceneObjects(
                        item.wall_ms, (width, height), objects
                    )
