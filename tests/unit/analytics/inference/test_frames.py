"""Frames for analytics: rates by the wall clock, the motion gate, the detector's picture size,
non-reference frames left undecoded, and the tap handing gated frames to detection."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import numpy as np
import pytest

from tests.support.media import encode_video, video_packets
from tests.unit.analytics.test_tap import (
    CAM,
    FRAME_MS,
    MOVING,
    SETTINGS,
    STILL_BEFORE,
    Reports,
    encoded,
    picture,
    wait_for,
    wall,
)
from vms.analytics.detection import FrameBGR
from vms.analytics.frames import DetectPlan, FrameClock, MotionGate, detect_size
from vms.analytics.tap import MotionTap, TapSettings
from vms.core.bus import Bus
from vms.core.ids import CameraId, StreamName
from vms.ingest.hub import StreamHub
from vms.media.decode import VideoDecoder
from vms.media.packet import Packet, StreamInfo

Stream = tuple[StreamInfo, list[Packet]]
WALL_MS = 1_790_000_000_000


def test_a_clock_takes_frames_at_its_rate_by_their_wall_clock() -> None:
    clock = FrameClock(5)
    taken = [t for t in range(0, 2000, 40) if clock.take(WALL_MS + t)]  # 25 fps in
    assert [t - taken[0] for t in taken] == [0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800]
    assert not clock.due(WALL_MS + 1900)
    assert clock.take(WALL_MS - 60_000)  # the camera's clock jumped back: not a minute's wait
    clock.reset()
    assert clock.take(WALL_MS)


def test_the_motion_gate_opens_with_motion_and_holds() -> None:
    gate = MotionGate("motion", hold_ms=2000)
    assert not gate.open(WALL_MS)  # nothing moved yet
    gate.observe(True, WALL_MS)
    gate.observe(False, WALL_MS + 200)
    assert gate.open(WALL_MS + 200) and gate.open(WALL_MS + 2000)  # a walker who stopped
    assert not gate.open(WALL_MS + 2001)
    gate.reset()
    assert not gate.open(WALL_MS + 100)
    assert MotionGate("always", 0).open(WALL_MS)
    assert not MotionGate("off", 2000).open(WALL_MS)


@pytest.mark.parametrize(
    ("size", "longest", "expected"),
    [
        ((1920, 1080), 640, (640, 360)),
        ((1080, 1920), 640, (360, 640)),  # a corridor camera on its side fits the slot too
        ((320, 240), 640, (320, 240)),  # never enlarged
        ((641, 361), 640, (640, 360)),  # even sizes
    ],
)
def test_the_detector_picture_keeps_the_aspect_within_the_longest_side(
    size: tuple[int, int], longest: int, expected: tuple[int, int]
) -> None:
    assert detect_size(*size, longest) == expected


@pytest.fixture(scope="module")
def with_bframes() -> Stream:
    """40 frames, 10 fps, with non-reference B-frames between the P-frames."""
    buffer = io.BytesIO()
    options = {"preset": "veryfast", "g": "10", "bf": "2", "x264-params": "b-pyramid=none"}
    pictures = (picture(84 + 2 * i) for i in range(40))
    encode_video(buffer, pictures, codec="libx264", fps=10, size=(160, 120), options=options)
    return video_packets(buffer, lambda _index, pts_ms: WALL_MS + pts_ms)


def test_non_reference_frames_are_left_undecoded_when_asked(with_bframes: Stream) -> None:
    info, packets = with_bframes

    def decoded(skip: bool) -> int:
        decoder = VideoDecoder(info.tracks[0])
        frames = [f for p in packets for f in decoder.decode(p, skip_nonref=skip)]
        return len(frames + decoder.flush())

    assert decoded(skip=False) == 40
    assert 10 <= decoded(skip=True) < 30  # the I and P frames only: a third of the work saved


@pytest.fixture
def hub() -> StreamHub:
    return StreamHub("gate/sub")


class Submitted:
    """The tap's frames for detection, as the inference pool's `submit` receives them."""

    def __init__(self) -> None:
        self.frames: list[tuple[int, tuple[int, ...]]] = []

    def __call__(self, camera_id: CameraId, frame: FrameBGR, wall_ms: int) -> bool:
        assert camera_id == CAM and frame.dtype == np.uint8 and frame.flags.c_contiguous
        self.frames.append((wall_ms, frame.shape))
        return True


@contextlib.contextmanager
def run_tap(
    hub: StreamHub,
    stream: Stream,
    plan: DetectPlan | None,
    *,
    report_motion: bool,
    settings: TapSettings = SETTINGS,
) -> Iterator[tuple[MotionTap, Reports, Submitted]]:
    bus, submitted = Bus(), Submitted()
    reports = Reports(bus)
    tap = MotionTap(
        CAM,
        StreamName.SUB,
        hub,
        (),
        settings,
        bus=bus,
        report_motion=report_motion,
        detect=plan,
        submit=submitted,
    )
    tap.start()
    try:
        wait_for(lambda: hub.stats().subscribers == 1)
        info, packets = stream
        hub.publish_info(info)
        for packet in packets:
            hub.publish(packet)
        yield tap, reports, submitted
    finally:
        tap.stop()


def test_motion_gates_detection_and_reports_no_motion_events_unless_asked(
    hub: StreamHub,
) -> None:
    stream = encoded(still_after=30)  # still 1 s, the box moves 1 s, still 3 s
    plan = DetectPlan("motion", fps=10, width=64, hold_ms=500)
    with run_tap(hub, stream, plan, report_motion=False) as (tap, reports, submitted):
        wait_for(lambda: tap.frames_compared == len(stream[1]))
        walls = [wall_ms for wall_ms, _ in submitted.frames]
        assert walls[0] == wall(STILL_BEFORE)  # the first frame the box is in, not before
        assert walls == list(range(walls[0], walls[-1] + 1, FRAME_MS))  # every frame while open
        # motion ends within a few frames of the box stopping; the gate holds 0.5 s more
        assert wall(STILL_BEFORE + MOVING - 1) + 500 <= walls[-1]
        assert walls[-1] <= wall(STILL_BEFORE + MOVING + 4) + 500
        assert tap.frames_gated == len(stream[1]) - len(walls)
        assert {shape for _, shape in submitted.frames} == {(48, 64, 3)}
        assert reports.items == []  # motion only gated: the camera's motion switch is off


def test_always_detects_at_its_own_rate_beside_motion_events(hub: StreamHub) -> None:
    stream = encoded(still_after=20)
    plan = DetectPlan("always", fps=5, width=640, hold_ms=0)
    with run_tap(hub, stream, plan, report_motion=True) as (tap, reports, submitted):
        wait_for(lambda: tap.frames_compared == len(stream[1]) and "closed" in reports.phases())
        assert [w for w, _ in submitted.frames] == [wall(i) for i in range(0, 40, 2)]
        assert {shape for _, shape in submitted.frames} == {(120, 160, 3)}  # not enlarged
        assert reports.items[0].label == "motion"  # motion stays an event of its own


def test_skipped_non_reference_frames_never_cost_a_frame_that_was_due(
    hub: StreamHub, with_bframes: Stream
) -> None:
    every_half_second = TapSettings(2, SETTINGS.width, SETTINGS.motion, SETTINGS.episodes)
    plan = DetectPlan("always", fps=2, width=160, hold_ms=0)
    with run_tap(hub, with_bframes, plan, report_motion=True, settings=every_half_second) as (
        tap,
        _,
        submitted,
    ):
        wait_for(lambda: tap.frames_compared == 8)  # frames 0, 5, ... 35 of 40
        wait_for(lambda: len(submitted.frames) == 8)
        assert [w for w, _ in submitted.frames] == [WALL_MS + 100 * i for i in range(0, 40, 5)]
