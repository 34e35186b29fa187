"""PacketNormaliser and WallClock with a fake packet source: streams that no encoder makes."""

from __future__ import annotations

from fractions import Fraction

from vms.ingest.normalise import PacketNormaliser, RawPacket, WallClock
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo

VIDEO = CodecParams(kind=MediaKind.VIDEO, codec="h264", time_base=Fraction(1, 90_000))
AUDIO = CodecParams(kind=MediaKind.AUDIO, codec="aac", time_base=Fraction(1, 48_000))
T0_MS = 1_700_000_000_000


def raw(
    n: int,
    *,
    track: int = 0,
    key: bool = False,
    dts: int | None = -1,
    pts: int | None = -1,
    mono: float | None = None,
    prft_us: int | None = None,
) -> RawPacket:
    """Video frame ``n`` at 25 fps (3600 ticks); -1 means 'the natural timestamp'."""
    natural = n * 3600 if track == 0 else n * 1024
    at = n * 0.04 if mono is None else mono
    return RawPacket(
        track=track,
        data=bytes([n % 256]),
        pts=natural if pts == -1 else pts,
        dts=natural if dts == -1 else dts,
        duration=3600 if track == 0 else 1024,
        keyframe=key,
        arrival_ms=T0_MS + round(at * 1000),
        arrival_mono=at,
        prft_us=prft_us,
    )


def feed(norm: PacketNormaliser, packets: list[RawPacket]) -> list[Packet | StreamInfo]:
    out: list[Packet | StreamInfo] = []
    for p in packets:
        out.extend(norm.push(p))
    return out


def only_packets(items: list[Packet | StreamInfo]) -> list[Packet]:
    return [i for i in items if isinstance(i, Packet)]


def test_packets_before_the_first_video_keyframe_are_discarded() -> None:
    norm = PacketNormaliser((VIDEO, AUDIO), generation=1)
    out = feed(norm, [raw(0), raw(0, track=1, key=True), raw(1), raw(2, key=True), raw(3)])
    assert [(p.track, p.dts, p.keyframe) for p in only_packets(out)] == [
        (0, 7200, True),
        (0, 10800, False),
    ]
    assert norm.discarded == 3
    assert all(isinstance(i, Packet) and i.generation == 1 for i in out)


def test_first_keyframe_without_timestamps_is_kept_and_filled_from_the_next() -> None:
    norm = PacketNormaliser((VIDEO, AUDIO), generation=3)
    first = raw(0, key=True, dts=None, pts=None)
    audio = [raw(n, track=1, key=True) for n in range(3)]
    out = feed(norm, [first, *audio])
    assert out == []  # audio waits behind the keyframe so the keyframe stays first
    out = feed(norm, [raw(1)])
    packets = only_packets(out)
    assert [(p.track, p.dts) for p in packets] == [(0, 0), (1, 0), (1, 1024), (1, 2048), (0, 3600)]
    assert packets[0].keyframe
    assert packets[0].pts == packets[0].dts
    assert all(p.generation == 3 for p in packets)


def test_missing_timestamps_that_never_resolve_are_filled_from_the_previous() -> None:
    norm = PacketNormaliser((VIDEO,), generation=1, max_pending=4)
    out = feed(norm, [raw(0, key=True), raw(1, dts=None, pts=None)])
    assert [p.dts for p in only_packets(out)] == [0]
    out = feed(norm, [raw(1, track=0, dts=None, pts=None) for _ in range(4)])
    dts = [p.dts for p in only_packets(out)]
    assert dts == sorted(dts) and len(set(dts)) == len(dts)  # strictly increasing estimates
    assert dts[0] == 3600
    assert [p.dts for p in only_packets(norm.flush())] == [dts[-1] + 3600]


def test_dts_going_backwards_starts_a_new_generation_at_the_next_keyframe() -> None:
    norm = PacketNormaliser((VIDEO, AUDIO), generation=1)
    before = feed(norm, [raw(n, key=n == 0) for n in range(5)])
    assert len(only_packets(before)) == 5
    # the camera restarted its encoder: timestamps back to 0, mid-GOP first
    out = feed(
        norm,
        [raw(0, mono=0.2), raw(1, track=1, key=True, mono=0.22), raw(2, key=True, mono=0.24)],
    )
    assert len(out) == 2
    info, packet = out
    assert isinstance(info, StreamInfo)
    assert info.generation == 2
    assert info.tracks == (VIDEO, AUDIO)
    assert isinstance(packet, Packet)
    assert (packet.dts, packet.keyframe, packet.generation) == (7200, True, 2)
    assert norm.info == info
    assert norm.discontinuities == 1
    after = feed(norm, [raw(3, mono=0.28), raw(1, track=1, key=True, mono=0.29)])
    assert [(p.track, p.generation) for p in only_packets(after)] == [(0, 2), (1, 2)]


def test_forward_jump_far_beyond_elapsed_time_starts_a_new_generation() -> None:
    norm = PacketNormaliser((VIDEO,), generation=1, jump_threshold_s=5.0)
    feed(norm, [raw(0, key=True), raw(1)])
    jump = 3600 + 90_000 * 60  # one minute of media time in 40 ms of wall time
    out = feed(norm, [raw(2, key=True, dts=jump, pts=jump)])
    assert [type(i).__name__ for i in out] == ["StreamInfo", "Packet"]
    assert only_packets(out)[0].generation == 2


def test_forward_gap_matching_elapsed_time_is_not_a_discontinuity() -> None:
    norm = PacketNormaliser((VIDEO,), generation=1)
    feed(norm, [raw(0, key=True), raw(1)])
    later = 3600 + 90_000 * 20  # the camera stalled for 20 s and resumed
    out = feed(norm, [raw(2, dts=later, pts=later, mono=20.04)])
    assert [(p.dts, p.generation) for p in only_packets(out)] == [(later, 1)]
    assert norm.discontinuities == 0


def test_equal_dts_is_bumped_and_pts_never_below_dts() -> None:
    norm = PacketNormaliser((VIDEO,), generation=1)
    out = feed(norm, [raw(0, key=True), raw(1, dts=0, pts=0), raw(2, dts=7200, pts=5000)])
    assert [(p.dts, p.pts) for p in only_packets(out)] == [(0, 0), (1, 1), (7200, 7200)]
    assert norm.discontinuities == 0


def test_packets_of_unknown_tracks_are_ignored() -> None:
    norm = PacketNormaliser((VIDEO,), generation=1)
    assert feed(norm, [raw(0, key=True, track=5)]) == []


def test_wall_clock_follows_pts_from_arrival_without_jitter() -> None:
    clock = WallClock(Fraction(1, 90_000))
    assert clock.wall_ms(0, T0_MS, None) == T0_MS
    # arrival jitters by up to 30 ms late; the mapping stays on the pts line
    assert clock.wall_ms(3600, T0_MS + 70, None) == T0_MS + 40
    assert clock.wall_ms(7200, T0_MS + 81, None) == T0_MS + 80
    # a packet that arrives before its predicted time moves the anchor earlier
    assert clock.wall_ms(10800, T0_MS + 100, None) == T0_MS + 100
    assert clock.wall_ms(14400, T0_MS + 150, None) == T0_MS + 140
    # a stall longer than the rebase threshold re-anchors on arrival
    assert clock.wall_ms(18000, T0_MS + 5000, None) == T0_MS + 5000
    assert clock.source == "arrival"


def test_wall_clock_uses_rtcp_and_reanchors_only_when_it_changes() -> None:
    clock = WallClock(Fraction(1, 90_000))
    clock.wall_ms(0, T0_MS, None)
    rtcp_ms = T0_MS - 300  # the camera captured 300 ms before arrival
    assert clock.wall_ms(3600, T0_MS + 40, (rtcp_ms + 40) * 1000) == rtcp_ms + 40
    assert clock.source == "rtcp"
    # prft within 1 ms of the line does not move it; a packet without prft stays on the line
    assert clock.wall_ms(7200, T0_MS + 500, (rtcp_ms + 80) * 1000 + 400) == rtcp_ms + 80
    assert clock.wall_ms(10800, T0_MS + 900, None) == rtcp_ms + 120
    # a new sender report that moves the mapping by 20 ms re-anchors
    assert clock.wall_ms(14400, T0_MS + 160, (rtcp_ms + 180) * 1000) == rtcp_ms + 180
    assert clock.wall_ms(18000, T0_MS + 200, None) == rtcp_ms + 220


def test_normaliser_reports_rtcp_once_the_video_track_has_it() -> None:
    norm = PacketNormaliser((VIDEO, AUDIO), generation=1)
    feed(norm, [raw(0, key=True)])
    assert norm.wallclock_source == "arrival"
    out = feed(norm, [raw(1, prft_us=T0_MS * 1000)])
    assert only_packets(out)[0].wall_ms == T0_MS
    assert norm.wallclock_source == "rtcp"
