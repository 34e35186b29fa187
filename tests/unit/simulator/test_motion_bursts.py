"""The simulator's motion bursts: the bar moves only in the first part of each period."""

from __future__ import annotations

import numpy as np
import pytest

from vms.simulator.options import SimulatorOptions
from vms.simulator.pattern import MotionBursts, PatternRenderer

BURSTS = MotionBursts(period_ms=8_000, on_ms=3_000)


@pytest.mark.parametrize(
    ("unix_ms", "moving", "moved_ms"),
    [
        (0, True, 0),
        (2_999, True, 2_999),
        (3_000, False, 3_000),
        (7_999, False, 3_000),
        (8_000, True, 3_000),
        (9_500, True, 4_500),
        (20_000, False, 9_000),
    ],
)
def test_bursts_follow_the_wall_clock(unix_ms: int, moving: bool, moved_ms: int) -> None:
    assert BURSTS.moving(unix_ms) is moving
    assert BURSTS.moved_ms(unix_ms) == moved_ms


def test_options_without_a_period_keep_the_bar_moving() -> None:
    assert MotionBursts.of(SimulatorOptions()) is None
    made = MotionBursts.of(SimulatorOptions(motion_period_s=8, motion_on_s=3))
    assert made == BURSTS


def scene(renderer: PatternRenderer, index: int, unix_ms: int) -> np.ndarray:
    """The luma below the burnt-in clock (which changes every frame by design)."""
    planes = renderer.render(index, unix_ms)
    return planes[: renderer.height][renderer.height // 2 :].astype(np.int16)


def test_the_bar_stands_still_between_bursts_and_moves_in_them() -> None:
    renderer = PatternRenderer(320, 180, "t", motion=BURSTS)
    still_a, still_b = scene(renderer, 100, 4_000), scene(renderer, 100, 6_000)
    assert np.abs(still_a - still_b).max() == 0  # same index: same grain, only time differs
    moving_a, moving_b = scene(renderer, 100, 1_000), scene(renderer, 100, 2_000)
    assert np.count_nonzero(np.abs(moving_a - moving_b) > 40) > 500  # the bar went elsewhere
