"""The analytics service: a tap for every camera that asks for motion or detection, kept in
step, and the inference pool the taps hand frames to.

It reconciles every `RECONCILE_S` instead of being told of each change: cameras are added,
edited and removed through the API, their hubs are replaced when a camera's URLs change, and
zones are redrawn in the settings page; comparing what runs with what should run catches all
of those (and any order they come in) with one small loop.

Detections come back from the pool on its collector thread: those whose foot is in one of the
camera's masks are dropped there, once, so that neither the tracker nor the live overlay sees
them; the rest are kept as each camera's latest and passed to the listeners, the first of
which is the `SceneRunner`: tracking and the rules on a thread of their own, which publishes
rule events on the bus like motion's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from vms.analytics.detection import Detection, FrameBGR
from vms.analytics.detector.masks import Polygon, drop_masked
from vms.analytics.episodes import EpisodeSettings
from vms.analytics.frames import DetectPlan
from vms.analytics.inference.latest import FrameSize, LatestDetections
from vms.analytics.inference.pool import InferencePool, PoolSettings
from vms.analytics.inference.worker import DetectorSpec
from vms.analytics.motion import MotionSettings
from vms.analytics.rules import Rule
from vms.analytics.scenes import SceneObjects, SceneRunner
from vms.analytics.tap import MotionTap, TapSettings
from vms.analytics.zones import Zone
from vms.config.analytics import AnalyticsSettings, DetectMode
from vms.core.bus import Bus
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId, StreamName
from vms.core.scheduler import PeriodicJob
from vms.ingest.hub import StreamHub
from vms.telemetry.providers import AnalyticsSample, InferenceSample

log = logging.getLogger(__name__)

RECONCILE_S = 2.0

DetectionsListener = Callable[[CameraId, int, FrameSize, list[Detection]], None]


def _no_rules(camera_id: CameraId) -> tuple[Rule, ...]:
    del camera_id
    return ()


class Hubs(Protocol):
    """Where a camera stream's hub is found (the camera supervisor)."""

    def hub(self, camera_id: CameraId, stream: StreamName) -> StreamHub | None: ...


@dataclass(frozen=True, slots=True)
class WatchedStream:
    """A camera with motion or object detection on, and the stream they run on."""

    camera_id: CameraId
    stream: StreamName
    motion: bool = True  # motion events (motion also runs, unreported, to gate detection)
    detect: DetectMode = "off"


def tap_settings(settings: AnalyticsSettings) -> TapSettings:
    return TapSettings(
        fps=settings.motion_fps,
        width=settings.motion_width // 2 * 2,
        motion=MotionSettings(
            threshold=settings.motion_threshold,
            min_share=settings.motion_min_area_percent / 100,
        ),
        episodes=EpisodeSettings(
            trigger_frames=settings.motion_trigger_frames,
            cooldown_ms=round(settings.motion_cooldown_s * 1000),
            max_event_ms=settings.max_event_s * 1000,
        ),
    )


def pool_settings(settings: AnalyticsSettings) -> PoolSettings:
    return PoolSettings(
        workers=settings.inference_workers,
        slots_per_worker=settings.inference_slots,
        max_width=settings.detect_width,
        max_height=settings.detect_width,
        hang_s=settings.inference_hang_s,
    )


def detector_spec(settings: AnalyticsSettings) -> DetectorSpec:
    """The detector the workers build. Whether any camera detects is a camera field, changed
    through the API at any time, so the pool always exists and starts its workers only once a
    camera detects (`AnalyticsService.reconcile`)."""
    return DetectorSpec(settings.detector_factory, settings.detector_options)


class AnalyticsService:
    """Runs motion taps; `reconcile` is blocking (it reads zones), `run` loops it off the loop."""

    def __init__(
        self,
        *,
        bus: Bus,
        hubs: Hubs,
        watched: Callable[[], Sequence[WatchedStream]],
        zones: Callable[[CameraId], Sequence[Zone]],
        settings: AnalyticsSettings,
        detector: DetectorSpec | None = None,
        rules: Callable[[CameraId], Sequence[Rule]] | None = None,
    ) -> None:
        """Without `detector`, no camera detects objects (and no worker process starts);
        `rules` reads a camera's stored rules, which its tracks are judged by."""
        self._bus = bus
        self._hubs = hubs
        self._watched = watched
        self._zones = zones
        self._settings = tap_settings(settings)
        self._plan = settings
        self.latest = LatestDetections()
        self._listeners: list[DetectionsListener] = []
        self.pool = (
            InferencePool(detector, pool_settings(settings), self._on_detections)
            if detector is not None
            else None
        )
        self.scenes = (
            SceneRunner(bus.publish, settings.timezone, rules or _no_rules, settings.detect_fps)
            if self.pool is not None
            else None
        )
        if self.scenes is not None:
            self._listeners.append(self.scenes.on_detections)
        self._taps: dict[CameraId, MotionTap] = {}
        self._masks: dict[CameraId, tuple[Polygon, ...]] = {}  # read on the collector thread
        self._lock = threading.Lock()  # a reconcile pass still running when VMS stops
        self._stopped = False
        self._inference_on = False  # start_inference was called (and stop_inference not yet)
        self._pool_started = False

    @property
    def taps(self) -> dict[CameraId, MotionTap]:
        return dict(self._taps)

    def reconcile(self) -> None:
        """Start, restart or stop taps so exactly the watched streams with a hub have one."""
        with self._lock:
            if not self._stopped:
                self._reconcile()

    def _reconcile(self) -> None:
        wanted = {w.camera_id: w for w in self._watched()}
        for camera_id in [c for c in self._taps if c not in wanted]:
            self._stop_tap(camera_id, unwatched=True)
        if any(w.detect != "off" for w in wanted.values()):
            self._start_pool()
        for camera_id, watch in wanted.items():
            hub = self._hubs.hub(camera_id, watch.stream)
            tap = self._taps.get(camera_id)
            plan = self._detect_plan(watch)
            if tap is not None and (
                tap.hub is not hub
                or tap.stream != watch.stream
                or tap.report_motion != watch.motion
                or tap.detect != plan
            ):
                self._stop_tap(camera_id, unwatched=False)
                tap = None
            if hub is None:
                continue
            try:
                zones = tuple(self._zones(camera_id))
            except NotFoundError:  # removed since `watched` was read
                continue
            if tap is None:
                tap = MotionTap(
                    camera_id,
                    watch.stream,
                    hub,
                    zones,
                    self._settings,
                    bus=self._bus,
                    report_motion=watch.motion,
                    detect=plan,
                    submit=self._submit if self.pool is not None else None,
                )
                self._taps[camera_id] = tap
                tap.start()
                log.info(
                    "analytics started on %s (%s stream, motion %s, detection %s)",
                    camera_id,
                    watch.stream,
                    "on" if watch.motion else "off",
                    plan.mode if plan is not None else "off",
                )
            elif tap.zones != zones:
                tap.set_zones(zones)
            self._configure_scene(camera_id, zones if plan is not None else None)

    def _configure_scene(self, camera_id: CameraId, zones: tuple[Zone, ...] | None) -> None:
        """The camera's masks drop its detections; its zones and lines go to the rules (None:
        the camera does not detect)."""
        masks = tuple(z.points for z in zones or () if z.kind == "mask")
        if masks:
            self._masks[camera_id] = masks
        else:
            self._masks.pop(camera_id, None)
        if self.scenes is None:
            return
        if zones is None:
            self.scenes.forget(camera_id)
        else:
            self.scenes.configure(camera_id, [z for z in zones if z.kind != "mask"])

    def _detect_plan(self, watch: WatchedStream) -> DetectPlan | None:
        if watch.detect == "off" or self.pool is None:
            return None
        s = self._plan
        hold_ms = round(s.detect_motion_hold_s * 1000)
        return DetectPlan(watch.detect, s.detect_fps, s.detect_width, hold_ms)

    def _stop_tap(self, camera_id: CameraId, *, unwatched: bool) -> None:
        """Stop a camera's tap; an unwatched camera also leaves its worker and its latest
        detections (a tap replaced keeps its worker, so its results stay in frame order)."""
        self._taps.pop(camera_id).stop()
        if unwatched:
            if self.pool is not None:
                self.pool.forget(camera_id)
            self.latest.forget(camera_id)
            self._masks.pop(camera_id, None)
            if self.scenes is not None:
                self.scenes.forget(camera_id)

    # -- detections
    def _submit(self, camera_id: CameraId, frame: FrameBGR, wall_ms: int) -> bool:
        """Hand a frame to the pool, held for the tracker's pictures until its answer."""
        assert self.pool is not None and self.scenes is not None
        self.scenes.hold(camera_id, frame, wall_ms)
        return self.pool.submit(camera_id, frame, wall_ms)

    def scene_objects(self, camera_id: CameraId) -> SceneObjects | None:
        """The tracked objects of the camera's latest analysed frame (the live overlay)."""
        return self.scenes.latest(camera_id) if self.scenes is not None else None

    def add_detections_listener(self, listener: DetectionsListener) -> None:
        """Called with every analysed frame's detections, in each camera's frame order, on the
        pool's collector thread: it must be quick (hand work on, never block)."""
        self._listeners.append(listener)

    def _on_detections(
        self, camera_id: CameraId, wall_ms: int, size: FrameSize, found: list[Detection]
    ) -> None:
        masks = self._masks.get(camera_id)
        if masks:
            found = drop_masked(found, masks, size[0], size[1])
        self.latest.put(camera_id, wall_ms, size, found)
        for listener in self._listeners:
            try:
                listener(camera_id, wall_ms, size, found)
            except Exception:
                log.exception("a detections listener failed on %s", camera_id)

    def start_inference(self) -> None:
        """Allow the worker processes: they start with the first camera that detects (blocking,
        briefly, in that reconcile pass: they load their model on their own)."""
        with self._lock:
            self._inference_on = True
        if self.scenes is not None:
            self.scenes.start()

    def _start_pool(self) -> None:
        """Under `_lock`: start the workers once, if inference is allowed."""
        if self.pool is not None and self._inference_on and not self._pool_started:
            self.pool.start()
            self._pool_started = True

    def stop_inference(self) -> None:
        """End the workers and free their shared memory; after the taps that feed them."""
        with self._lock:
            self._inference_on = False
            started, self._pool_started = self._pool_started, False
        if self.pool is not None and started:
            self.pool.stop()
        if self.scenes is not None:
            self.scenes.stop()  # after the pool: no detections arrive any more

    def inference_sample(self) -> InferenceSample | None:
        """The pool's totals, for /metrics; None while no camera detects."""
        return self.pool.sample() if self.pool is not None and self._pool_started else None

    def analytics_samples(self) -> list[AnalyticsSample]:
        """Totals of every running tap, for /metrics."""
        return [tap.sample() for tap in self.taps.values()]

    def stop(self) -> None:
        """Stop every tap (their open events close); none starts after. Blocking."""
        with self._lock:
            self._stopped = True
            for tap in self._taps.values():
                tap.stop()
            self._taps.clear()

    def reconcile_job(self) -> PeriodicJob:
        """`reconcile` every RECONCILE_S on the shared scheduler, first at start; a failed pass
        is logged there and the next one retries."""
        return PeriodicJob("analytics reconcile", RECONCILE_S, self.reconcile, run_at_start=True)
