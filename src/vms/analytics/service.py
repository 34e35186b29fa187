"""The analytics service: a motion tap for every camera that asks for one, kept in step.

It reconciles every `RECONCILE_S` instead of being told of each change: cameras are added,
edited and removed through the API, their hubs are replaced when a camera's URLs change, and
zones are redrawn in the settings page; comparing what runs with what should run catches all
of those (and any order they come in) with one small loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from vms.analytics.episodes import EpisodeSettings
from vms.analytics.motion import MotionSettings
from vms.analytics.tap import MotionTap, TapSettings
from vms.analytics.zones import Zone
from vms.config.analytics import AnalyticsSettings
from vms.core.bus import Bus
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId, StreamName
from vms.core.scheduler import PeriodicJob
from vms.ingest.hub import StreamHub
from vms.telemetry.providers import AnalyticsSample

log = logging.getLogger(__name__)

RECONCILE_S = 2.0


class Hubs(Protocol):
    """Where a camera stream's hub is found (the camera supervisor)."""

    def hub(self, camera_id: CameraId, stream: StreamName) -> StreamHub | None: ...


@dataclass(frozen=True, slots=True)
class WatchedStream:
    """A camera with motion detection on, and the stream it is detected on."""

    camera_id: CameraId
    stream: StreamName


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
    ) -> None:
        self._bus = bus
        self._hubs = hubs
        self._watched = watched
        self._zones = zones
        self._settings = tap_settings(settings)
        self._taps: dict[CameraId, MotionTap] = {}
        self._lock = threading.Lock()  # a reconcile pass still running when VMS stops
        self._stopped = False

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
            self._taps.pop(camera_id).stop()
        for camera_id, watch in wanted.items():
            hub = self._hubs.hub(camera_id, watch.stream)
            tap = self._taps.get(camera_id)
            if tap is not None and (tap.hub is not hub or tap.stream != watch.stream):
                self._taps.pop(camera_id).stop()
                tap = None
            if hub is None:
                continue
            try:
                zones = tuple(self._zones(camera_id))
            except NotFoundError:  # removed since `watched` was read
                continue
            if tap is None:
                tap = MotionTap(camera_id, watch.stream, hub, zones, self._settings, bus=self._bus)
                self._taps[camera_id] = tap
                tap.start()
                log.info("motion detection started on %s (%s stream)", camera_id, watch.stream)
            elif tap.zones != zones:
                tap.set_zones(zones)

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
