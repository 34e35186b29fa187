"""The analytics service keeps one motion tap per watched camera in step with hubs and zones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pytest

from vms.analytics import service as service_module
from vms.analytics.service import AnalyticsService, WatchedStream, tap_settings
from vms.analytics.zones import Zone
from vms.config.analytics import AnalyticsSettings
from vms.core.bus import Bus
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId, StreamName
from vms.core.scheduler import Scheduler
from vms.ingest.hub import StreamHub

GATE, YARD = CameraId("gate"), CameraId("yard")
MAIN, SUB = StreamName.MAIN, StreamName.SUB
SQUARE = ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9))
DOOR = Zone("door", "zone", SQUARE)


@dataclass
class Cameras:
    """The camera supervisor's hubs, the cameras with motion on, and their zones."""

    hubs: dict[tuple[CameraId, StreamName], StreamHub] = field(default_factory=dict)
    watched: list[WatchedStream] = field(default_factory=list)
    zones: dict[CameraId, list[Zone]] = field(default_factory=dict)
    fail_watched: int = 0  # the next calls of watched() that raise

    def add(self, camera: CameraId, stream: StreamName = MAIN) -> StreamHub:
        hub = StreamHub(f"{camera}/{stream}")
        self.hubs[camera, stream] = hub
        return hub

    def hub(self, camera_id: CameraId, stream: StreamName) -> StreamHub | None:
        return self.hubs.get((camera_id, stream))

    def watch(self, camera: CameraId, stream: StreamName = MAIN) -> None:
        self.watched = [w for w in self.watched if w.camera_id != camera]
        self.watched.append(WatchedStream(camera, stream))
        self.zones.setdefault(camera, [])

    def list_watched(self) -> Sequence[WatchedStream]:
        if self.fail_watched:
            self.fail_watched -= 1
            raise RuntimeError("database is locked")
        return list(self.watched)

    def zones_of(self, camera: CameraId) -> Sequence[Zone]:
        if camera not in self.zones:
            raise NotFoundError(f"no camera {camera}")
        return list(self.zones[camera])


@pytest.fixture
def cameras() -> Cameras:
    return Cameras()


@pytest.fixture
def analytics(cameras: Cameras) -> Iterator[AnalyticsService]:
    service = AnalyticsService(
        bus=Bus(),
        hubs=cameras,
        watched=cameras.list_watched,
        zones=cameras.zones_of,
        settings=AnalyticsSettings(),
    )
    yield service
    service.stop()


def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def subscribed(hub: StreamHub) -> int:
    return hub.stats().subscribers


def test_a_tap_starts_for_each_watched_camera_with_a_hub(
    cameras: Cameras, analytics: AnalyticsService
) -> None:
    gate, yard = cameras.add(GATE), cameras.add(YARD)
    cameras.watch(GATE)
    cameras.zones[GATE] = [DOOR]
    cameras.watch(CameraId("attic"))  # no hub yet: its camera is not connected
    analytics.reconcile()
    taps = analytics.taps
    assert list(taps) == [GATE]
    assert (taps[GATE].hub, taps[GATE].stream, taps[GATE].zones) == (gate, MAIN, (DOOR,))
    wait_for(lambda: subscribed(gate) == 1)
    assert subscribed(yard) == 0  # not watched
    analytics.reconcile()
    assert analytics.taps[GATE] is taps[GATE]  # nothing changed, nothing restarted


def test_a_camera_gets_its_tap_once_its_hub_appears(
    cameras: Cameras, analytics: AnalyticsService
) -> None:
    cameras.watch(GATE)
    analytics.reconcile()
    assert analytics.taps == {}
    hub = cameras.add(GATE)
    analytics.reconcile()
    assert analytics.taps[GATE].hub is hub


def test_a_new_hub_restarts_the_tap(cameras: Cameras, analytics: AnalyticsService) -> None:
    old = cameras.add(GATE)
    cameras.watch(GATE)
    analytics.reconcile()
    first = analytics.taps[GATE]
    wait_for(lambda: subscribed(old) == 1)
    new = cameras.add(GATE)  # the camera's URL changed: the supervisor made a new hub
    analytics.reconcile()
    second = analytics.taps[GATE]
    assert second is not first and second.hub is new
    assert subscribed(old) == 0  # the old tap has stopped
    wait_for(lambda: subscribed(new) == 1)


def test_another_stream_restarts_the_tap(cameras: Cameras, analytics: AnalyticsService) -> None:
    cameras.add(GATE, MAIN)
    sub = cameras.add(GATE, SUB)
    cameras.watch(GATE, MAIN)
    analytics.reconcile()
    first = analytics.taps[GATE]
    cameras.watch(GATE, SUB)
    analytics.reconcile()
    second = analytics.taps[GATE]
    assert second is not first
    assert (second.stream, second.hub) == (SUB, sub)


def test_a_lost_hub_stops_the_tap(cameras: Cameras, analytics: AnalyticsService) -> None:
    hub = cameras.add(GATE)
    cameras.watch(GATE)
    analytics.reconcile()
    wait_for(lambda: subscribed(hub) == 1)
    del cameras.hubs[GATE, MAIN]  # the camera was disabled
    analytics.reconcile()
    assert analytics.taps == {}
    assert subscribed(hub) == 0


def test_redrawn_zones_reach_the_running_tap(cameras: Cameras, analytics: AnalyticsService) -> None:
    cameras.add(GATE)
    cameras.watch(GATE)
    analytics.reconcile()
    tap = analytics.taps[GATE]
    assert tap.zones == ()
    cameras.zones[GATE] = [DOOR]
    analytics.reconcile()
    assert analytics.taps[GATE] is tap  # the same tap, not restarted
    assert analytics.taps[GATE].zones == (DOOR,)


def test_a_camera_no_longer_watched_is_stopped(
    cameras: Cameras, analytics: AnalyticsService
) -> None:
    gate, yard = cameras.add(GATE), cameras.add(YARD)
    cameras.watch(GATE)
    cameras.watch(YARD)
    analytics.reconcile()
    wait_for(lambda: subscribed(gate) == subscribed(yard) == 1)
    cameras.watched = [WatchedStream(YARD, MAIN)]  # motion switched off on the gate
    analytics.reconcile()
    assert list(analytics.taps) == [YARD]
    assert subscribed(gate) == 0
    assert subscribed(yard) == 1


def test_a_camera_removed_meanwhile_gets_no_tap(
    cameras: Cameras, analytics: AnalyticsService
) -> None:
    cameras.add(GATE)
    cameras.watch(GATE)
    del cameras.zones[GATE]  # its zones are gone: the camera was deleted after `watched`
    analytics.reconcile()
    assert analytics.taps == {}


def test_nothing_starts_after_stop(cameras: Cameras, analytics: AnalyticsService) -> None:
    gate = cameras.add(GATE)
    cameras.watch(GATE)
    analytics.reconcile()
    wait_for(lambda: subscribed(gate) == 1)
    analytics.stop()
    assert analytics.taps == {}
    assert subscribed(gate) == 0
    yard = cameras.add(YARD)
    cameras.watch(YARD)
    analytics.reconcile()
    assert analytics.taps == {}
    assert subscribed(gate) == subscribed(yard) == 0


async def test_reconcile_job_runs_on_the_scheduler_and_survives_a_failed_pass(
    cameras: Cameras, analytics: AnalyticsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "RECONCILE_S", 0.01)
    cameras.add(GATE)
    cameras.watch(GATE)
    cameras.fail_watched = 2
    job = analytics.reconcile_job()
    scheduler = Scheduler()
    await scheduler.start_job(job)
    deadline = time.monotonic() + 10
    while GATE not in analytics.taps:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    await scheduler.stop_job(job)
    assert cameras.fail_watched == 0  # it went on after the failed passes
    assert job.failures == 2
    analytics.stop()


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, (5.0, 160, 20, 0.005, 2, 5_000, 300_000)),
        (
            {
                "motion_fps": 2.5,
                "motion_width": 99,
                "motion_threshold": 35,
                "motion_min_area_percent": 2,
                "motion_trigger_frames": 4,
                "motion_cooldown_s": 1.5,
                "max_event_s": 60,
            },
            (2.5, 98, 35, 0.02, 4, 1_500, 60_000),
        ),
    ],
)
def test_settings_become_tap_settings(
    config: dict[str, float], expected: tuple[float, int, int, float, int, int, int]
) -> None:
    made = tap_settings(AnalyticsSettings.model_validate(config))
    assert (
        made.fps,
        made.width,
        made.motion.threshold,
        made.motion.min_share,
        made.episodes.trigger_frames,
        made.episodes.cooldown_ms,
        made.episodes.max_event_ms,
    ) == pytest.approx(expected)
