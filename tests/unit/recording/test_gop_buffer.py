"""The pre-roll buffer: whole GOPs from a keyframe, bounded in wall time and in bytes."""

from __future__ import annotations

from vms.media.packet import Packet
from vms.recording.gop_buffer import GopBuffer


def packet(wall_ms: int, keyframe: bool, size: int = 100) -> Packet:
    return Packet(0, b"x" * size, wall_ms, wall_ms, 40, keyframe, wall_ms, 1)


def feed(buffer: GopBuffer, until_ms: int, *, gop_ms: int = 1000, size: int = 100) -> None:
    """25 fps video from time 0 with a keyframe every `gop_ms`."""
    for wall_ms in range(0, until_ms + 1, 40):
        buffer.push(packet(wall_ms, wall_ms % gop_ms == 0, size), wall_ms % gop_ms == 0)


def test_it_keeps_the_gops_that_reach_the_bound_back_and_no_older() -> None:
    buffer = GopBuffer(max_ms=2500, max_bytes=10**9)
    feed(buffer, until_ms=9960)
    # 2.5 s back from 9.96 s is 7.46 s: the GOP of 7 s is the latest that reaches that far
    assert buffer.start_ms() == 7000
    assert buffer.packets == 75
    assert buffer.evicted == 250 - 75


def test_take_from_starts_at_the_last_keyframe_at_or_before_the_time() -> None:
    buffer = GopBuffer(max_ms=5000, max_bytes=10**9)
    feed(buffer, until_ms=9960)
    taken = buffer.take_from(7500)
    assert taken[0].wall_ms == 7000 and taken[0].keyframe
    assert [p.wall_ms for p in taken] == list(range(7000, 9961, 40))
    assert buffer.packets == 0 and buffer.size_bytes == 0 and buffer.start_ms() is None
    exact = GopBuffer(max_ms=5000, max_bytes=10**9)
    feed(exact, until_ms=9960)
    assert exact.take_from(8000)[0].wall_ms == 8000  # a keyframe exactly at the time


def test_take_from_before_everything_held_starts_at_the_oldest_keyframe() -> None:
    buffer = GopBuffer(max_ms=2000, max_bytes=10**9)
    feed(buffer, until_ms=9960)
    assert buffer.take_from(1000)[0].wall_ms == 7000


def test_packets_before_the_first_keyframe_are_not_held() -> None:
    buffer = GopBuffer(max_ms=5000, max_bytes=10**9)
    buffer.push(packet(0, False), False)
    buffer.push(packet(40, False), False)
    assert buffer.packets == 0 and buffer.evicted == 2
    buffer.push(packet(80, True), True)
    assert buffer.take_from(80)[0].wall_ms == 80


def test_the_byte_bound_drops_the_oldest_gops_first() -> None:
    # 25 packets of 1000 bytes a GOP; 60 000 bytes hold two whole GOPs and part of a third
    buffer = GopBuffer(max_ms=60_000, max_bytes=60_000)
    feed(buffer, until_ms=9960, size=1000)
    assert buffer.size_bytes <= 60_000
    assert buffer.start_ms() == 8000
    assert buffer.take_from(0)[0].wall_ms == 8000


def test_a_gop_larger_than_the_byte_bound_is_not_held_until_the_next_keyframe() -> None:
    buffer = GopBuffer(max_ms=60_000, max_bytes=10_000)  # a GOP is 25 000 bytes
    feed(buffer, until_ms=1960, size=1000)
    assert buffer.size_bytes <= 10_000
    assert buffer.packets == 0  # the GOP overflowed: what follows up to a keyframe is useless
    buffer.push(packet(2000, True, 1000), True)
    assert buffer.start_ms() == 2000 and buffer.packets == 1


def test_clear_evicts_everything() -> None:
    buffer = GopBuffer(max_ms=5000, max_bytes=10**9)
    feed(buffer, until_ms=1960)
    held = buffer.packets
    before = buffer.evicted
    buffer.clear()
    assert buffer.packets == 0 and buffer.evicted == before + held
