"""DTS derived from PTS in decode order (vms.media.reorder): the rules for B-frame streams."""

from __future__ import annotations

import itertools

import pytest

from vms.media.reorder import MAX_DEPTH, DecodeOrder

STEP = 3600  # one frame at 25 fps on the 90 kHz RTP clock


def _decode_order(pattern: list[int], gops: int) -> list[int]:
    """PTS in decode order for `gops` GOPs of one pattern given in frame numbers."""
    size = len(pattern)
    return [(gop * size + frame) * STEP for gop in range(gops) for frame in pattern]


IPPP = [0, 1, 2, 3, 4, 5]
IBBP = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 10, 11]  # two B-frames, no pyramid: depth 1
PYRAMID = [0, 4, 2, 1, 3, 8, 6, 5, 7, 12, 10, 9, 11]  # three B-frames, pyramid: depth 2


def _dts_of(order: DecodeOrder, pts: list[int]) -> list[int]:
    return [order.dts(value) for value in pts]


def _assert_sound(pts: list[int], dts: list[int]) -> None:
    assert all(d <= p for p, d in zip(pts, dts, strict=True)), "a DTS after its PTS"
    assert all(b > a for a, b in itertools.pairwise(dts)), "DTS not increasing"


def test_depth_zero_keeps_dts_equal_to_pts() -> None:
    pts = _decode_order(IPPP, 4)
    order = DecodeOrder(0, STEP)
    assert _dts_of(order, pts) == pts
    assert order.depth == 0
    assert not order.learned


@pytest.mark.parametrize(("pattern", "depth"), [(IBBP, 1), (PYRAMID, 2)])
def test_declared_depth_gives_sorted_pts_delayed_by_depth(pattern: list[int], depth: int) -> None:
    pts = _decode_order(pattern, 5)
    dts = _dts_of(DecodeOrder(depth, STEP), pts)
    _assert_sound(pts, dts)
    ordered = sorted(pts)
    assert dts[depth:] == ordered[: len(pts) - depth]
    assert dts[:depth] == [pts[0] - (depth - n) * STEP for n in range(depth)]


def test_ibbp_exact_values() -> None:
    pts = [0, 3, 1, 2, 6, 4, 5]
    dts = _dts_of(DecodeOrder(1, 1), pts)
    assert dts == [-1, 0, 1, 2, 3, 4, 5]


def test_a_deeper_declared_depth_is_still_sound() -> None:
    pts = _decode_order(IBBP, 3)
    dts = _dts_of(DecodeOrder(4, STEP), pts)
    _assert_sound(pts, dts)
    assert all(p - d == 4 * STEP for p, d in zip(sorted(pts)[4:], dts[4:], strict=True))


def test_undeclared_reordering_is_learned_with_one_break() -> None:
    pts = _decode_order(PYRAMID, 6)
    order = DecodeOrder(0, STEP)
    dts = _dts_of(order, pts)
    assert order.depth == 2
    assert order.learned
    backwards = [i for i in range(1, len(dts)) if dts[i] <= dts[i - 1]]
    assert backwards, "learning must show as a break the normaliser can see"
    # From the next keyframe on (where the normaliser resumes) the DTS are sound.
    second_gop = len(PYRAMID)
    assert max(backwards) < second_gop
    _assert_sound(pts[second_gop:], dts[second_gop:])


def test_a_clock_jump_back_restarts_without_learning() -> None:
    before = _decode_order(IBBP, 2)
    after = [value - 10_000 * STEP for value in _decode_order(IBBP, 2)]
    order = DecodeOrder(1, STEP)
    dts = _dts_of(order, before + after)
    assert order.depth == 1
    assert not order.learned
    assert dts[len(before)] < dts[len(before) - 1]  # the jump stays visible
    _assert_sound(after, dts[len(before) :])


def test_a_clock_jump_back_on_a_plain_stream_passes_through() -> None:
    pts = [0, STEP, 2 * STEP, -50 * STEP, -49 * STEP]
    order = DecodeOrder(0, STEP)
    assert _dts_of(order, pts) == pts
    assert order.depth == 0


def test_forward_jump_keeps_order() -> None:
    pts = _decode_order(IBBP, 2)
    jumped = [value + 100_000 * STEP for value in _decode_order(IBBP, 2)]
    dts = _dts_of(DecodeOrder(1, STEP), pts + jumped)
    _assert_sound(pts + jumped, dts)


def test_depth_is_capped() -> None:
    assert DecodeOrder(99, STEP).depth == MAX_DEPTH
