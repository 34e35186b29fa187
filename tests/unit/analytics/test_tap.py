"""The motion tap on a real hub: H.264 of a still scene and a moving box, decoded and reported."""

from __future__ import annotations

import dataclasses
import io
import threading
import time
from collections.abc import Callable, Iterator

import av
import cv2
import numpy as np
import pytest

from tests.support.media import encode_video, video_packets
from vms.analytics.episodes import EpisodeSettings
from vms.analytics.motion import MotionSettings
from vms.analytics.tap import MotionTap, TapSettings
from vms.analytics.zones import Point, Zone
from vms.core.bus import Bus, EventReported
from vms.core.ids import CameraId, StreamName
from vms.ingest.hub import StreamHub
from vms.media.packet import Packet, StreamInfo

CAM = CameraId("gate")
WALL_MS = 1_790_000_000_000
FPS = 10
FRAME_MS = 1000 // FPS
SIZE = (160, 120)
STILL_BEFORE = 10  # frames of the empty scene, then the box moves
MOVING = 10
BOX = 24
RIGHT: tuple[Point, ...] = ((0.5, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 1.0))
TOP_LEFT: tuple[Point, ...] = ((0.0, 0.0), (0.3, 0.0), (0.3, 0.3), (0.0, 0.3))
SETTINGS = TapSettings(
    fps=FPS,
    width=80,
    motion=MotionSettings(),
    episodes=EpisodeSettings(trigger_frames=2, cooldown_ms=500),
)

Stream = tuple[StreamInfo, list[Packet]]


def picture(box_x: int | None) -> av.VideoFrame:
    """A grey gradient scene; with `box_x`, a white box in its lower right part."""
    width, height = SIZE
    grey = np.linspace(40, 120, width, dtype=np.uint8)[None, :].repeat(height, axis=0)
    rgb = np.stack([grey, grey, grey], axis=2)
    if box_x is not None:
        rgb[70 : 70 + BOX, box_x : box_x + BOX] = 255
    return av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")


def encoded(still_after: int) -> Stream:
    """Still, then a box moving right across the right half, then left standing."""
    boxes: list[int | None] = [None] * STILL_BEFORE
    boxes += [84 + 5 * i for i in range(MOVING)]
    boxes += [boxes[-1]] * still_after
    buffer = io.BytesIO()
    options = {"preset": "ultrafast", "tune": "zerolatency", "g": "10", "bf": "0"}
    pictures = (picture(x) for x in boxes)
    encode_video(buffer, pictures, codec="libx264", fps=FPS, size=SIZE, options=options)
    info, packets = video_packets(buffer, lambda _index, pts_ms: WALL_MS + pts_ms)
    assert len(packets) == len(boxes)
    return info, packets


@pytest.fixture(scope="module")
def calming() -> Stream:
    """The box stops and stands for 2 s: the event closes by its cooldown."""
    return encoded(still_after=20)


@pytest.fixture(scope="module")
def endless() -> Stream:
    """The stream stops while the box still moves."""
    return encoded(still_after=0)


class Reports:
    """What the tap published on the bus (from its thread)."""

    def __init__(self, bus: Bus) -> None:
        self._lock = threading.Lock()
        self._items: list[EventReported] = []
        bus.subscribe(EventReported, self._add)

    def _add(self, report: EventReported) -> None:
        with self._lock:
            self._items.append(report)

    @property
    def items(self) -> list[EventReported]:
        with self._lock:
            return list(self._items)

    def phases(self) -> list[str]:
        return [r.phase for r in self.items]


Starter = Callable[[tuple[Zone, ...]], tuple[MotionTap, Reports]]  # zones -> a running tap


def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def hub() -> StreamHub:
    return StreamHub("gate/main")


@pytest.fixture
def running(hub: StreamHub) -> Iterator[Starter]:
    taps: list[MotionTap] = []

    def start(zones: tuple[Zone, ...]) -> tuple[MotionTap, Reports]:
        bus = Bus()
        reports = Reports(bus)
        tap = MotionTap(CAM, StreamName.MAIN, hub, zones, SETTINGS, bus=bus)
        tap.start()
        taps.append(tap)
        wait_for(lambda: hub.stats().subscribers == 1)
        return tap, reports

    yield start
    for tap in taps:
        tap.stop()


def feed(hub: StreamHub, tap: MotionTap, stream: Stream) -> None:
    """Publish the whole stream and wait until the tap has compared every frame."""
    info, packets = stream
    hub.publish_info(info)
    for packet in packets:
        hub.publish(packet)
    wait_for(lambda: tap.frames_compared == len(packets))


def wall(frame: int) -> int:
    return WALL_MS + frame * FRAME_MS


def test_a_moving_box_opens_an_event_with_a_picture_and_the_cooldown_closes_it(
    hub: StreamHub,
    running: Starter,
    calming: Stream,
) -> None:
    zones = (Zone("drive", "zone", RIGHT), Zone("porch", "zone", TOP_LEFT))
    tap, reports = running(zones)
    feed(hub, tap, calming)
    wait_for(lambda: "closed" in reports.phases())
    items = reports.items
    opened, closed = items[0], items[-1]
    assert (opened.phase, closed.phase) == ("opened", "closed")
    assert {r.event_id for r in items} == {opened.event_id}
    assert [r.phase for r in items[1:-1]] == ["updated"] * (len(items) - 2)
    assert (opened.camera_id, opened.label) == (CAM, "motion")
    assert opened.start_ms == wall(STILL_BEFORE)  # the first frame with the box
    assert opened.end_ms is None
    assert opened.zones == closed.zones == ("drive",)
    assert 0 < opened.score <= closed.score < 0.5
    # the box moves for 1 s, then the background takes it in within a few frames
    assert closed.start_ms == opened.start_ms
    assert closed.end_ms is not None
    assert wall(STILL_BEFORE + MOVING - 1) <= closed.end_ms <= wall(STILL_BEFORE + MOVING + 4)
    assert closed.snapshot_jpeg is None


def test_the_opened_report_carries_a_jpeg_of_the_frame(
    hub: StreamHub,
    running: Starter,
    calming: Stream,
) -> None:
    tap, reports = running(())
    feed(hub, tap, calming)
    wait_for(lambda: "closed" in reports.phases())
    opened = reports.items[0]
    assert opened.snapshot_jpeg is not None
    assert opened.snapshot_jpeg.startswith(b"\xff\xd8")
    assert opened.snapshot_ms == wall(STILL_BEFORE + 1)  # the frame that opened it
    image = cv2.imdecode(np.frombuffer(opened.snapshot_jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    assert image.shape == (SIZE[1], SIZE[0])  # full size: smaller than the snapshot width
    assert image[75:90, 95:105].mean() > 200  # the white box is in the picture
    assert opened.zones == ()  # no zones drawn


def test_a_zone_away_from_the_motion_gives_no_event(
    hub: StreamHub,
    running: Starter,
    calming: Stream,
) -> None:
    tap, reports = running((Zone("porch", "zone", TOP_LEFT),))
    feed(hub, tap, calming)
    hub.end("camera gone")
    assert reports.items == []


@pytest.mark.parametrize("how", ["stream ends", "tap stops"])
def test_an_open_event_closes_when_the_motion_cannot_be_watched(
    hub: StreamHub,
    running: Starter,
    endless: Stream,
    how: str,
) -> None:
    tap, reports = running(())
    feed(hub, tap, endless)
    assert reports.phases()[0] == "opened"
    assert "closed" not in reports.phases()  # still moving when the packets stop
    if how == "stream ends":
        hub.end("camera gone")
    else:
        tap.stop()
    wait_for(lambda: "closed" in reports.phases())
    closed = reports.items[-1]
    assert closed.end_ms == wall(STILL_BEFORE + MOVING - 1)  # its last motion


def reconnected(stream: Stream, offset_ms: int) -> list[Packet]:
    """The same packets as a second connection, `offset_ms` later on the wall clock."""
    return [dataclasses.replace(p, wall_ms=p.wall_ms + offset_ms, generation=2) for p in stream[1]]


@pytest.mark.parametrize("offset_ms", [60_000, -3_600_000])  # later, or the camera's clock reset
def test_a_new_connection_closes_the_open_event_and_starts_afresh(
    hub: StreamHub,
    running: Starter,
    endless: Stream,
    offset_ms: int,
) -> None:
    tap, reports = running(())
    feed(hub, tap, endless)
    hub.publish_info(dataclasses.replace(endless[0], generation=2))
    wait_for(lambda: "closed" in reports.phases())
    first = reports.items[0].event_id
    later = reconnected(endless, offset_ms)
    for packet in later:
        hub.publish(packet)
    wait_for(lambda: tap.frames_compared == 2 * len(later))  # every frame of both
    hub.end("camera gone")
    wait_for(lambda: reports.phases().count("closed") == 2)
    opened = [r for r in reports.items if r.phase == "opened"]
    # the new connection's first frame is its background, not a change from the old last one
    assert [r.start_ms for r in opened] == [wall(STILL_BEFORE), wall(STILL_BEFORE) + offset_ms]
    assert opened[1].event_id != first


def test_zones_can_change_while_the_tap_runs(
    hub: StreamHub,
    running: Starter,
    calming: Stream,
) -> None:
    tap, reports = running((Zone("porch", "zone", TOP_LEFT),))
    tap.set_zones((Zone("drive", "zone", RIGHT),))
    assert tap.zones == (Zone("drive", "zone", RIGHT),)
    feed(hub, tap, calming)
    wait_for(lambda: "closed" in reports.phases())
    assert reports.items[0].zones == ("drive",)


def test_redrawn_zones_close_the_open_event(
    hub: StreamHub, running: Starter, endless: Stream
) -> None:
    tap, reports = running(())
    feed(hub, tap, endless)
    assert reports.phases()[0] == "opened"
    tap.set_zones((Zone("drive", "zone", RIGHT),))
    more = [dataclasses.replace(p, wall_ms=p.wall_ms + 10_000) for p in endless[1]]
    for packet in more:
        hub.publish(packet)
    wait_for(lambda: tap.frames_compared == 2 * len(more))
    items = reports.items
    closed = [r for r in items if r.phase == "closed"]
    assert len(closed) == 1 and closed[0].event_id == items[0].event_id
    assert closed[0].end_ms == wall(STILL_BEFORE + MOVING - 1)  # before the zones changed
    reopened = [r for r in items if r.phase == "opened"][1]
    assert reopened.zones == ("drive",)
    assert reopened.start_ms == wall(STILL_BEFORE) + 10_000
