"""Motion detection: zone masks, the running background, thresholds, zones and scene changes."""

from __future__ import annotations

import numpy as np
import pytest

from vms.analytics.motion import (
    STILL,
    Gray,
    MotionDetector,
    MotionReading,
    MotionSettings,
    zone_masks,
)
from vms.analytics.zones import Point, Zone

W, H = 64, 48
LEFT: tuple[Point, ...] = ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0))
RIGHT: tuple[Point, ...] = ((0.5, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 1.0))
TOP_LEFT: tuple[Point, ...] = ((0.0, 0.0), (0.25, 0.0), (0.25, 0.25), (0.0, 0.25))


def background(level: int = 60) -> Gray:
    """A flat grey picture with a soft horizontal gradient, like a quiet scene."""
    ramp = np.linspace(0, 40, W, dtype=np.float32)[None, :].repeat(H, axis=0)
    return np.clip(ramp + level, 0, 255).astype(np.uint8)


def with_box(x: int, y: int, size: int = 12, value: int = 255, level: int = 60) -> Gray:
    frame = background(level)
    frame[y : y + size, x : x + size] = value
    return frame


def detector(
    zones: tuple[Zone, ...] = (), *, threshold: int = 20, min_share: float = 0.005
) -> MotionDetector:
    return MotionDetector(W, H, zones, MotionSettings(threshold, min_share))


def test_zone_masks_rasterise_polygons_and_skip_lines() -> None:
    zones = [
        Zone("left", "zone", LEFT),
        Zone("wire", "line", ((0.1, 0.5), (0.9, 0.5))),
        Zone("corner", "zone", TOP_LEFT),
    ]
    masks = zone_masks(zones, W, H)
    assert list(masks) == ["left", "corner"]
    left = masks["left"]
    assert left.shape == (H, W) and left.dtype == np.bool_
    assert left[:, : W // 2 - 1].all()
    assert not left[:, W // 2 + 1 :].any()
    corner = masks["corner"]
    assert corner[0, 0] and corner[H // 4 - 1, W // 4 - 1]
    assert not corner[H // 2, W // 2]
    assert 0.05 < corner.mean() < 0.08  # a quarter by a quarter, edges included


def test_the_first_frame_and_a_repeated_frame_are_still() -> None:
    watcher = detector()
    assert watcher.feed(background()) is STILL
    reading = watcher.feed(background())
    assert reading == MotionReading(0.0, (), False)


def test_a_box_that_appears_is_motion_of_about_its_area() -> None:
    watcher = detector()
    watcher.feed(background())
    reading = watcher.feed(with_box(40, 20))
    assert reading.moving
    box_share = 12 * 12 / (W * H)
    assert box_share * 0.8 < reading.share < box_share * 2  # blurred edges count a little
    assert reading.zones == ()  # no zones drawn: the whole picture is watched, none named


def test_motion_names_the_zones_it_touched() -> None:
    zones = (Zone("left", "zone", LEFT), Zone("right", "zone", RIGHT))
    watcher = detector(zones)
    watcher.feed(background())
    reading = watcher.feed(with_box(44, 20))
    assert reading.moving
    assert reading.zones == ("right",)


def test_motion_outside_every_zone_does_not_count() -> None:
    watcher = detector((Zone("corner", "zone", TOP_LEFT),))
    watcher.feed(background())
    reading = watcher.feed(with_box(44, 30))
    assert reading == MotionReading(0.0, (), False)


def test_the_share_is_of_the_watched_area() -> None:
    whole, half = detector(), detector((Zone("right", "zone", RIGHT),))
    for watcher in (whole, half):
        watcher.feed(background())
    everywhere = whole.feed(with_box(44, 20))
    in_right = half.feed(with_box(44, 20))
    assert in_right.share == pytest.approx(everywhere.share * 2, rel=0.1)


@pytest.mark.parametrize(
    ("change", "threshold", "moving"),
    [
        (10, 20, False),  # a dimmer change than the threshold is noise
        (40, 20, True),
        (40, 60, False),
        (90, 60, True),
    ],
)
def test_a_pixel_moves_when_it_changes_more_than_the_threshold(
    change: int, threshold: int, moving: bool
) -> None:
    watcher = detector(threshold=threshold)
    watcher.feed(background())
    reading = watcher.feed(with_box(20, 10, size=20, value=60 + change))
    assert reading.moving is moving


@pytest.mark.parametrize(
    ("min_share", "moving"), [(0.01, True), (0.05, True), (0.2, False), (0.5, False)]
)
def test_too_small_a_moving_area_is_not_motion(min_share: float, moving: bool) -> None:
    watcher = detector(min_share=min_share)  # the box is about 6% of the picture
    watcher.feed(background())
    reading = watcher.feed(with_box(30, 20))
    assert reading.moving is moving
    assert reading.share > 0.04  # measured either way


def test_a_zone_needs_its_own_share_to_be_named() -> None:
    # the box is mostly in "right", with a sliver (2 columns) in "left"
    zones = (Zone("left", "zone", LEFT), Zone("right", "zone", RIGHT))
    watcher = detector(zones, min_share=0.05)
    watcher.feed(background())
    reading = watcher.feed(with_box(W // 2 - 1, 10, size=16))
    assert reading.moving
    assert reading.zones == ("right",)


def test_the_background_catches_up_with_a_thing_that_stays() -> None:
    watcher = detector()
    watcher.feed(background())
    readings = [watcher.feed(with_box(30, 20)) for _ in range(8)]
    assert readings[0].moving
    assert not readings[-1].moving  # half a step a frame: it has become background


def test_a_scene_change_restarts_the_background() -> None:
    watcher = detector()
    watcher.feed(background(level=20))
    assert watcher.feed(background(level=200)) is STILL  # lights on: not motion
    assert watcher.feed(background(level=200)) == MotionReading(0.0, (), False)
    assert watcher.feed(with_box(10, 10, level=200, value=0)).moving


def test_a_frame_of_another_size_is_refused() -> None:
    watcher = detector()
    with pytest.raises(ValueError, match="expects"):
        watcher.feed(np.zeros((H, W + 2), dtype=np.uint8))
