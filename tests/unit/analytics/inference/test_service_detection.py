"""The analytics service with detection on: a camera's frames go through the tap to real worker
processes and come back as its latest detections, to the listeners, and into /metrics."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import av
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.media import encode_video, video_packets
from tests.unit.analytics.test_service import Cameras, wait_for
from vms.analytics.detection import Detection
from vms.analytics.inference.latest import FrameSize
from vms.analytics.service import AnalyticsService, WatchedStream, detector_spec
from vms.analytics.zones import Zone
from vms.config.analytics import AnalyticsSettings
from vms.config.cameras import CameraConfig
from vms.core.bus import Bus
from vms.core.ids import CameraId, StreamName
from vms.ingest.hub import StreamHub
from vms.media.packet import Packet, StreamInfo
from vms.services import _analysed_cameras
from vms.telemetry.metrics import build_registry, render_metrics
from vms.telemetry.providers import MetricsProviders

GATE = CameraId("gate")
WALL_MS = 1_790_000_000_000
SETTINGS = AnalyticsSettings(
    detect_fps=5,
    detect_width=320,
    detector_factory="tests.support.blob_detector:build",
)


def red_square_stream(frames: int = 30) -> tuple[StreamInfo, list[Packet]]:
    """640×360 at 10 fps, a 64-pixel red square moving right 8 pixels a frame."""
    pictures = []
    for index in range(frames):
        bgr = np.full((360, 640, 3), 90, np.uint8)
        bgr[100:164, 8 * index : 8 * index + 64] = (0, 0, 255)
        pictures.append(av.VideoFrame.from_ndarray(bgr, format="bgr24"))
    buffer = io.BytesIO()
    options = {"preset": "ultrafast", "g": "10", "bf": "0"}
    encode_video(buffer, pictures, codec="libx264", fps=10, size=(640, 360), options=options)
    return video_packets(buffer, lambda _index, pts_ms: WALL_MS + pts_ms)


def play_red_square(analytics: AnalyticsService, hub: StreamHub, heard: Heard) -> None:
    """Publish `red_square_stream` once the tap listens and the worker is ready, each frame due
    for detection (5 fps of 10) only after the one before it was heard."""
    assert analytics.pool is not None
    wait_for(lambda: hub.stats().subscribers == 1)
    wait_for(lambda: all(analytics.pool.worker_pids()), 60)  # type: ignore[union-attr]
    info, packets = red_square_stream()
    hub.publish_info(info)
    for index, packet in enumerate(packets):
        hub.publish(packet)
        if index % 2 == 0:  # due at 5 fps: as a camera would, wait for the frame's turn
            wait_for(lambda index=index: len(heard.calls) == index // 2 + 1, 30)  # type: ignore[misc]


class Heard:
    def __init__(self) -> None:
        self.calls: list[tuple[CameraId, int, FrameSize, list[Detection]]] = []
        self.lock = threading.Lock()

    def __call__(
        self, camera: CameraId, wall_ms: int, size: FrameSize, found: list[Detection]
    ) -> None:
        with self.lock:
            self.calls.append((camera, wall_ms, size, found))


@pytest.fixture
def service() -> Iterator[tuple[AnalyticsService, Cameras]]:
    cameras = Cameras()
    spec = detector_spec(SETTINGS)
    analytics = AnalyticsService(
        bus=Bus(),
        hubs=cameras,
        watched=cameras.list_watched,
        zones=cameras.zones_of,
        settings=SETTINGS,
        detector=spec,
    )
    analytics.start_inference()
    yield analytics, cameras
    analytics.stop()
    analytics.stop_inference()


def test_workers_start_only_once_a_camera_detects(
    service: tuple[AnalyticsService, Cameras],
) -> None:
    analytics, cameras = service
    cameras.add(GATE, StreamName.SUB)
    cameras.zones[GATE] = []
    cameras.watched = [WatchedStream(GATE, StreamName.SUB, motion=True, detect="off")]
    analytics.reconcile()
    assert analytics.pool is not None and analytics.pool.worker_pids() == []
    assert analytics.inference_sample() is None
    cameras.watched = [WatchedStream(GATE, StreamName.SUB, motion=True, detect="always")]
    analytics.reconcile()  # as after a PATCH of the camera's `detect`
    assert len(analytics.pool.worker_pids()) == SETTINGS.inference_workers
    assert analytics.inference_sample() is not None
    assert analytics.taps[GATE].detect is not None


def test_detections_reach_the_latest_the_listeners_and_the_metrics(
    service: tuple[AnalyticsService, Cameras],
) -> None:
    analytics, cameras = service
    heard = Heard()
    analytics.add_detections_listener(heard)
    hub = cameras.add(GATE, StreamName.SUB)
    cameras.watched = [WatchedStream(GATE, StreamName.SUB, motion=False, detect="always")]
    cameras.zones[GATE] = []
    analytics.reconcile()
    tap = analytics.taps[GATE]
    assert tap.detect is not None and not tap.report_motion
    assert analytics.pool is not None
    play_red_square(analytics, hub, heard)
    walls = [wall_ms for _, wall_ms, _, _ in heard.calls]
    assert walls == [WALL_MS + 200 * i for i in range(15)]  # in frame order
    latest = analytics.latest.get(GATE)
    assert latest is not None and latest.wall_ms == walls[-1]
    assert latest.frame_size == (320, 180)  # boxes are in the detect_width picture's pixels
    (found,) = latest.detections
    x = 8 * 28 // 2  # frame 28 is the last at 5 fps; the picture is half size
    assert found.label == "red"
    assert found.box == pytest.approx((x, 50, x + 32, 82), abs=2)
    body, _ = render_metrics(
        build_registry(MetricsProviders(inference=analytics), process_metrics=False)
    )
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    assert samples["vms_analytics_frames_analysed_total", (("camera", "gate"),)] == 15
    assert samples["vms_analytics_detections_total", (("camera", "gate"),)] == 15
    assert samples["vms_analytics_worker_up", (("worker", "0"),)] == 1
    assert samples["vms_analytics_inference_seconds_count", ()] == 15


def test_detections_whose_foot_is_in_a_mask_are_dropped_before_the_latest_and_the_listeners(
    service: tuple[AnalyticsService, Cameras],
) -> None:
    analytics, cameras = service
    heard = Heard()
    analytics.add_detections_listener(heard)  # after the SceneRunner: what tracking sees too
    hub = cameras.add(GATE, StreamName.SUB)
    cameras.watched = [WatchedStream(GATE, StreamName.SUB, motion=False, detect="always")]
    # The square's foot is at x = 8·i + 32 of 640 in frame i; every other frame is detected, so
    # it is at 176 in frame 18 and 192 in frame 20: the mask's edge lies between them (184).
    edge = 184 / 640
    street = Zone("street", "mask", ((0.0, 0.0), (edge, 0.0), (edge, 1.0), (0.0, 1.0)))
    cameras.zones[GATE] = [street, Zone("door", "zone", ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0)))]
    analytics.reconcile()
    assert analytics.taps[GATE].zones == (cameras.zones[GATE][0], cameras.zones[GATE][1])
    play_red_square(analytics, hub, heard)
    assert [len(found) for _, _, _, found in heard.calls] == [0] * 10 + [1] * 5
    latest = analytics.latest.get(GATE)
    assert latest is not None and [d.label for d in latest.detections] == ["red"]


def test_switching_detection_off_restarts_the_tap_without_it(
    service: tuple[AnalyticsService, Cameras],
) -> None:
    analytics, cameras = service
    cameras.add(GATE, StreamName.SUB)
    cameras.watched = [WatchedStream(GATE, StreamName.SUB, motion=True, detect="motion")]
    cameras.zones[GATE] = []
    analytics.reconcile()
    first = analytics.taps[GATE]
    assert first.detect is not None and first.detect.mode == "motion"
    cameras.watched = [WatchedStream(GATE, StreamName.SUB, motion=True, detect="off")]
    analytics.reconcile()
    second = analytics.taps[GATE]
    assert second is not first and second.detect is None and second.report_motion


def test_cameras_detecting_objects_are_watched_even_with_motion_off() -> None:
    class Manager:
        def cameras(self) -> list[CameraConfig]:
            return [
                CameraConfig(id="a", main_url="rtsp://h/a", motion=False, detect="motion"),
                CameraConfig(id="b", main_url="rtsp://h/b", sub_url="rtsp://h/b2", motion=True),
                CameraConfig(id="c", main_url="rtsp://h/c", motion=False, detect="off"),
                CameraConfig(id="d", main_url="rtsp://h/d", enabled=False),
            ]

    settings = AnalyticsSettings(detect_default="always")
    assert _analysed_cameras(Manager(), settings) == [  # type: ignore[arg-type]
        WatchedStream(CameraId("a"), StreamName.MAIN, motion=False, detect="motion"),
        WatchedStream(CameraId("b"), StreamName.SUB, motion=True, detect="always"),
    ]
