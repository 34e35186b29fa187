"""SceneRunner: frames held until their detections come back, one thread for every camera's
tracker and rules, and the latest tracked objects for the live overlay."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.unit.analytics.test_scene_events import CROSS_IN, LINE, T0, frame_with, person, walker
from vms.analytics.rules import Rule
from vms.analytics.scenes import HELD_FRAMES, SceneRunner
from vms.core.bus import EventReported
from vms.core.ids import CameraId

GATE = CameraId("gate")
STEP_MS = 200


class Published:
    """What the runner published, with a way to wait for it (the runner has its own thread)."""

    def __init__(self) -> None:
        self.reports: list[EventReported] = []
        self._changed = threading.Condition()

    def __call__(self, report: EventReported) -> None:
        with self._changed:
            self.reports.append(report)
            self._changed.notify_all()

    def wait_for(self, count: int) -> list[EventReported]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.reports) >= count, timeout=30)
            return list(self.reports)


def _rules(camera_id: CameraId) -> tuple[Rule, ...]:
    return (CROSS_IN,) if camera_id == GATE else ()


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
def runner(published: Published) -> Iterator[SceneRunner]:
    scenes = SceneRunner(published, "UTC", _rules, fps=5)
    scenes.configure(GATE, [LINE])
    scenes.start()
    yield scenes
    scenes.stop()


def _analyse(scenes: SceneRunner, frame_index: int, *, answered: bool = True) -> None:
    box = walker(min(frame_index, 10))  # the walker stops at the bottom of the picture
    wall_ms = T0 + frame_index * STEP_MS
    frame = frame_with([box])
    scenes.hold(GATE, frame, wall_ms)
    if answered:
        scenes.on_detections(GATE, wall_ms, (640, 360), [person(box)])


def test_a_crossing_is_published_with_the_held_frame_as_its_picture(
    runner: SceneRunner, published: Published
) -> None:
    for index in range(8):
        _analyse(runner, index)
    reports = [r for r in published.wait_for(1) if r.rule is not None]
    assert {r.event_id for r in reports} == {reports[0].event_id}  # one crossing, one event
    crossing = reports[0]
    assert crossing.rule is not None and crossing.rule.direction == "a_to_b"
    assert crossing.snapshot_jpeg is not None and crossing.snapshot_jpeg[:2] == b"\xff\xd8"
    scene = runner.latest(GATE)
    assert scene is not None and scene.frame_size == (640, 360)
    assert [o.label for o in scene.objects] == ["person"] and scene.objects[0].track_id >= 1


def test_frames_the_pool_never_answered_are_released_by_a_later_answer(
    runner: SceneRunner,
) -> None:
    for index in range(HELD_FRAMES - 1):
        _analyse(runner, index, answered=False)  # refused by a full worker, say
    _analyse(runner, HELD_FRAMES)
    assert runner.frames_unpaired == 0
    runner.on_detections(GATE, T0 + 3 * STEP_MS, (640, 360), [])  # released already
    assert runner.frames_unpaired == 1


def test_a_camera_no_longer_analysed_closes_its_open_events(published: Published) -> None:
    scenes = SceneRunner(published, "UTC", _rules, fps=5)
    scenes.configure(GATE, [LINE])
    scenes.start()
    try:
        _analyse(scenes, 0)
        scenes.forget(GATE)
        _analyse(scenes, 1)  # nothing holds or tracks it any more
        assert scenes.latest(GATE) is None
    finally:
        scenes.stop()
    assert scenes.frames_unpaired == 1
