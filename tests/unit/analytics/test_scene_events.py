"""ScenePipeline: synthetic detections on synthetic frames, through the real bus into a real store.

A textured "person" walks down a 640×360 picture at 5 fps across a horizontal line (A above it:
the walker's left going from the line's first point to its second); the test knows the frame
in which the foot passes the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.support.schema import migrated_sqlite
from vms.analytics.detection import Detection, FrameBGR
from vms.analytics.rules import CountRule, LineRule, ZoneRule
from vms.analytics.scene_events import ScenePipeline
from vms.analytics.zones import Zone
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.config.events import EventsSettings
from vms.core.bus import Bus, EventReported
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.events.models import EventQuery, EventRecord
from vms.events.service import EventService, build_events

T0 = 1_700_000_000_000
STEP_MS = 200  # 5 fps
WIDTH, HEIGHT = 640, 360
GATE = CameraId("gate")
LINE = Zone("Gate", "line", ((0.0, 0.5), (1.0, 0.5)))
LOBBY = Zone("Lobby", "zone", ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)))
CROSS_IN = LineRule(
    kind="line", name="Gate in", line="Gate", direction="a_to_b", labels=("person",)
)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[EventService]:
    engine = migrated_sqlite(f"sqlite:///{tmp_path / 'vms.db'}")
    clock = FakeClock(start_ms=T0)
    CamerasRepo(engine, clock).add(CameraRow(id=GATE, name="Gate", main_url="rtsp://10.0.0.5/g"))
    yield build_events(engine, clock, EventsSettings())
    engine.dispose()


@pytest.fixture
def pipeline(service: EventService) -> ScenePipeline:
    bus = Bus()
    service.attach(bus)
    return ScenePipeline(GATE, bus.publish, "UTC")


def frame_with(boxes: list[tuple[int, int, int, int]]) -> FrameBGR:
    """A grey noisy background with each box filled by a sharp checkerboard (a 'person')."""
    rng = np.random.default_rng(7)
    frame = rng.integers(90, 110, size=(HEIGHT, WIDTH, 3), dtype=np.uint8)
    for x1, y1, x2, y2 in boxes:
        ys, xs = np.mgrid[y1:y2, x1:x2]
        checker = (((xs // 6) + (ys // 6)) % 2 * 200 + 30).astype(np.uint8)
        frame[y1:y2, x1:x2] = checker[..., None]
    return frame


def walker(frame_index: int, x: int = 300) -> tuple[int, int, int, int]:
    """The box of a person whose foot starts at y=110 and goes 20 px down per frame: it passes
    the line (y=180) between frames 3 and 4."""
    foot = 110 + 20 * frame_index
    return x, foot - 100, x + 50, foot


def person(box: tuple[int, int, int, int]) -> Detection:
    x1, y1, x2, y2 = box
    return Detection("person", 0.9, (float(x1), float(y1), float(x2), float(y2)))


def walk(pipeline: ScenePipeline, frames: int, people: int = 1) -> list[EventReported]:
    published: list[EventReported] = []
    for index in range(frames):
        boxes = [walker(index, 100 + 200 * p) for p in range(people)]
        detections = [person(box) for box in boxes]
        published += pipeline.on_detections(T0 + index * STEP_MS, frame_with(boxes), detections)
    return published


def stored(service: EventService) -> list[EventRecord]:
    return service.store.search(EventQuery(cameras=(GATE,), oldest_first=True)).events


def decoded(jpeg: bytes | None) -> FrameBGR:
    assert jpeg is not None
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a JPEG"
    return np.asarray(image, dtype=np.uint8)


def test_a_crossing_gives_one_stored_event_with_direction_thumbnail_and_path(
    pipeline: ScenePipeline, service: EventService
) -> None:
    pipeline.configure([CROSS_IN], [LINE])
    published = walk(pipeline, 12)
    assert [(r.phase, r.start_ms) for r in published] == [
        ("opened", T0 + 4 * STEP_MS),
        ("closed", T0 + 4 * STEP_MS),
    ]
    [event] = stored(service)
    assert (event.rule, event.rule_kind, event.label, event.zones) == (
        "Gate in",
        "line",
        "person",
        ("Gate",),
    )
    assert (event.direction, event.counts, event.track_id) == ("a_to_b", (1, 0), 1)
    assert (event.start_ms, event.end_ms) == (T0 + 4 * STEP_MS, T0 + 4 * STEP_MS)
    # the path: the foot's points so far, as shares of the picture, oldest first
    assert len(event.path) >= 4
    times = [t for t, _, _ in event.path]
    assert times == sorted(times) and times[-1] == T0 + 4 * STEP_MS
    assert event.path[-1][1:] == (round(125 / WIDTH, 4), round(190 / HEIGHT, 4))
    assert event.has_snapshot and event.has_thumbnail
    snapshot = decoded(service.store.snapshot(event.id))
    assert snapshot.shape == (HEIGHT, WIDTH, 3)
    thumbnail = decoded(service.store.thumbnail(event.id))
    # the crop is the walker's box (50×100) with 15 % more on each side, clipped to the frame
    assert 60 <= thumbnail.shape[1] <= 66 and 120 <= thumbnail.shape[0] <= 131


def test_a_walk_the_other_way_is_not_an_inbound_crossing(
    pipeline: ScenePipeline, service: EventService
) -> None:
    pipeline.configure([CROSS_IN], [Zone("Gate", "line", ((1.0, 0.5), (0.0, 0.5)))])
    published = walk(pipeline, 12)  # A is now below the line: this walk is B→A
    assert published == [] and stored(service) == []


def test_a_present_event_carries_its_picture_once_and_closes_when_rules_change(
    pipeline: ScenePipeline, service: EventService
) -> None:
    present = ZoneRule(kind="zone", name="In the lobby", zone="Lobby", trigger="present")
    pipeline.configure([present], [LOBBY])
    published = walk(pipeline, 4)
    opened = [r for r in published if r.phase == "opened"]
    assert len(opened) == 1 and opened[0].snapshot_jpeg is not None
    assert opened[0].thumbnail_jpeg is not None
    assert opened[0].rule is not None and opened[0].rule.track_id == 1
    pipeline.configure([present], [LOBBY])  # the same rules again: nothing changes
    assert [r.phase for r in walk_from(pipeline, 4, 1)] == []
    pipeline.configure([], [LOBBY])  # the rule was removed: its event closes at the next frame
    [closed] = walk_from(pipeline, 5, 1)
    assert (closed.phase, closed.event_id) == ("closed", opened[0].event_id)
    [event] = stored(service)
    assert event.end_ms is not None and event.has_thumbnail


def walk_from(pipeline: ScenePipeline, first: int, frames: int) -> list[EventReported]:
    published: list[EventReported] = []
    for index in range(first, first + frames):
        box = walker(index)
        detections = [person(box)]
        published += pipeline.on_detections(T0 + index * STEP_MS, frame_with([box]), detections)
    return published


def test_a_count_event_has_its_peak_and_the_scene_without_a_crop(
    pipeline: ScenePipeline, service: EventService
) -> None:
    pipeline.configure([CountRule(kind="count", name="Crowd", zone="Lobby", above=1)], [LOBBY])
    walk(pipeline, 4, people=2)
    pipeline.finish()
    [event] = stored(service)
    assert (event.rule_kind, event.peak_count, event.track_id, event.path) == ("count", 2, None, ())
    assert event.has_snapshot and not event.has_thumbnail
    assert event.end_ms is not None  # finish() closed it


def test_a_rule_whose_line_is_gone_is_skipped_and_reported(
    pipeline: ScenePipeline, service: EventService
) -> None:
    pipeline.configure([CROSS_IN], [LOBBY])
    walk(pipeline, 12)
    assert pipeline.issues == [(0, "Gate in: the camera has no line named 'Gate'")]
    assert stored(service) == []
