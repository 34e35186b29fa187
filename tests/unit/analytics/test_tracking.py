"""The tracker on synthetic paths of boxes: ids through crossings, occlusions and meetings,
labels, speed, paths and the best picture."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pytest

from vms.analytics.detection import Box, Detection
from vms.analytics.kalman import BoxKalman, iou_matrix
from vms.analytics.tracking import Track, Tracker, TrackerSettings, laplacian_sharpness

FPS = 5.0
FRAME_MS = 200


def person(x: float, y: float = 300.0, *, score: float = 0.9, label: str = "person") -> Detection:
    """A 40×100 box whose bottom centre is at (x, y)."""
    return Detection(label, score, (x - 20, y - 100, x + 20, y))


def run(frames: Sequence[Sequence[Detection]], tracker: Tracker | None = None) -> list[list[Track]]:
    tracker = tracker or Tracker(fps=FPS)
    return [tracker.update(dets, i * FRAME_MS) for i, dets in enumerate(frames)]


def ids_seen(history: list[list[Track]]) -> set[int]:
    return {t.track_id for tracks in history for t in tracks if t.visible}


def test_a_fast_walker_at_5_fps_is_tracked_from_its_second_frame() -> None:
    """25 px a frame with a 40 px box: two boxes overlap by IoU 0.23, under the tentative
    match's 0.3, so only the buffered IoU (boxes grown before matching) confirms it."""
    history = run([[person(50 + 25 * i)] for i in range(20)])
    assert [len(tracks) for tracks in history[1:]] == [1] * 19
    assert ids_seen(history) == {1}


def test_a_walker_keeps_one_id_from_its_second_frame() -> None:
    history = run([[person(50 + 12 * i)] for i in range(60)])
    assert history[0] == []  # tentative: one frame is not yet a track
    assert [len(tracks) for tracks in history[1:]] == [1] * 59
    assert ids_seen(history) == {1}
    assert history[-1][0].first_ms == 0


def test_a_short_occlusion_keeps_the_id_and_a_long_one_does_not() -> None:
    hidden = set(range(10, 14))  # 0.8 s without a detection, under the 1 s buffer
    history = run([[] if i in hidden else [person(50 + 12 * i)] for i in range(30)])
    assert ids_seen(history) == {1}
    assert [t.visible for t in history[11]] == [False]  # lost, reported, not dropped

    hidden = set(range(10, 18))  # 1.6 s: dropped; the walker comes back as a new track
    history = run([[] if i in hidden else [person(50 + 12 * i)] for i in range(30)])
    assert ids_seen(history) == {1, 2}
    assert history[16] == []


def test_a_walker_turning_round_keeps_the_id() -> None:
    speeds = [14] * 10 + [7, 0, -7] + [-14] * 10  # half a box a frame, reversed in 0.6 s
    xs = [100 + sum(speeds[:i]) for i in range(len(speeds))]
    history = run([[person(x)] for x in xs])
    assert ids_seen(history) == {1}
    assert all(t.visible for tracks in history[1:] for t in tracks)


def test_two_walkers_passing_each_other_keep_their_ids() -> None:
    frames = [[person(100 + 15 * i, 300), person(700 - 15 * i, 320)] for i in range(40)]
    history = run(frames)
    assert ids_seen(history) == {1, 2}
    for frame, tracks in enumerate(history[1:], start=1):  # they overlap most at frame 20
        by_id = {t.track_id: t for t in tracks}
        rightward, leftward = by_id[1].foot, by_id[2].foot
        assert rightward[0] == pytest.approx(100 + 15 * frame)
        assert leftward[0] == pytest.approx(700 - 15 * frame)


def test_a_person_never_takes_a_cars_id_but_a_truck_may() -> None:
    car = [[person(300, label="car")] for _ in range(5)]
    history = run([*car, *[[person(300, label="person")] for _ in range(5)]])
    assert ids_seen(history) == {1, 2}

    labels = ["car", "car", "truck", "car", "bus", "car"]
    history = run([[person(300 + i, label=label)] for i, label in enumerate(labels)])
    assert ids_seen(history) == {1}
    assert history[-1][0].label == "car"  # the majority


def test_weak_detections_continue_a_track_but_never_start_one() -> None:
    frames = [[person(50 + 10 * i, score=0.9 if i < 3 else 0.3)] for i in range(10)]
    history = run(frames)
    assert ids_seen(history) == {1}
    assert all(t.visible for tracks in history[1:] for t in tracks)
    assert run([[person(50 + 10 * i, score=0.3)] for i in range(10)])[-1] == []


def test_a_one_frame_flicker_uses_no_id() -> None:
    frames: list[list[Detection]] = [[person(600)], [], [], *[[person(100)]] * 4]
    history = run(frames)
    assert ids_seen(history) == {1}


def test_speed_path_and_score() -> None:
    settings = TrackerSettings(path_points=5)
    history = run([[person(50 + 10 * i, score=0.8)] for i in range(20)], Tracker(FPS, settings))
    last = history[-1][0]
    assert last.speed_px_s == pytest.approx(50.0)  # 10 px a frame at 5 fps
    assert last.path == tuple((i * FRAME_MS, 50.0 + 10 * i, 300.0) for i in range(15, 20))
    assert last.score == pytest.approx(0.8)


def test_the_best_shot_is_the_largest_sharpest_most_confident_frame() -> None:
    asked: list[Box] = []

    def sharp_after_frame_5(box: Box) -> float:
        asked.append(box)
        return 1.0 if box[0] >= 150 else 0.1

    tracker = Tracker(fps=FPS)
    frames = [[person(100 + 10 * i)] for i in range(10)]
    news = []
    for i, dets in enumerate(frames):
        for track in tracker.update(dets, i * FRAME_MS, sharpness=sharp_after_frame_5):
            if track.best_is_new:
                news.append(track.best.frame_index)
    assert news == [1, 7]  # confirmed at frame 1; the first sharp frame wins, then equals lose
    final = tracker.update([person(200, score=0.5)], 10 * FRAME_MS, sharp_after_frame_5)
    assert final[0].best.frame_index == 7 and not final[0].best_is_new
    # once a sharp best is kept, boxes of the same size and score cannot beat it: never asked
    assert [box[0] + 20 for box in asked] == [100 + 10 * i for i in range(1, 8)]


def test_laplacian_sharpness_prefers_the_focused_crop() -> None:
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 255, (200, 400, 3), dtype=np.uint8)
    frame[:, 200:] = cv2.GaussianBlur(frame[:, 200:], (15, 15), 5)
    measure = laplacian_sharpness(frame)
    sharp, blurred = measure((10, 10, 190, 190)), measure((210, 10, 390, 190))
    assert 0 <= blurred < sharp <= 1
    assert measure((0, 0, 2, 2)) == 0.0


def test_the_kalman_filter_learns_a_steady_velocity() -> None:
    kalman = BoxKalman((0, 0, 10, 20))
    for step in range(1, 30):
        kalman.predict()
        kalman.update((4 * step, 0, 4 * step + 10, 20))
    kalman.predict(2.0)  # a dropped frame: two steps ahead
    assert kalman.box[0] == pytest.approx(4 * 31, abs=0.5)


def test_iou_matrix() -> None:
    result = iou_matrix([(0, 0, 10, 10)], [(0, 0, 10, 10), (5, 0, 15, 10), (20, 20, 30, 30)])
    assert result[0].tolist() == pytest.approx([1.0, 1 / 3, 0.0])
    assert iou_matrix([], [(0, 0, 1, 1)]).shape == (0, 1)


def test_fps_must_be_positive() -> None:
    with pytest.raises(ValueError, match="fps"):
        Tracker(fps=0)
