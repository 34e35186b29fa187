"""The trust rule for sender reports: wall times stay bound to arrival when a camera's clock jumps.

Both ingest paths (the project's RTSP client over TCP, FFmpeg's demuxer over UDP) hand the
normaliser the wall clock from RTCP as `prft_us`, so these cases cover both: a report that
follows an RTP jump (the camera's NTP time jumped too), a stale report mapped through after a
jump (what FFmpeg does until the next report), an NTP step with continuous RTP, a clock drifting
away, and the reports a real camera sends (a few hundred ms off, with latency and stalls).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from fractions import Fraction

import pytest

from vms.ingest.normalise import TRUST_BOUND_MS, PacketNormaliser, RawPacket, WallClock
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo

VIDEO = CodecParams(kind=MediaKind.VIDEO, codec="h264", time_base=Fraction(1, 90_000))
AUDIO = CodecParams(kind=MediaKind.AUDIO, codec="aac", time_base=Fraction(1, 48_000))
T0_MS = 1_700_000_000_000
HOUR_TICKS = 3600 * 90_000
LABEL = "cam-7/main"


class Camera:
    """A 25 fps video track (and optionally audio) whose RTP clock and NTP clock can jump."""

    def __init__(self, *, ntp_offset_ms: float = -300.0, latency_ms: float = 0.0) -> None:
        self.frame = 0
        self.rtp_offset = 0  # added to the pts of frames from now on (a jump)
        self.ntp_offset_ms = ntp_offset_ms  # camera NTP minus true time
        self.latency_ms = latency_ms  # capture to arrival
        self.stale: tuple[int, float] | None = None  # (pts, ms) of an old report to map through

    def video(self, *, key: bool = False, extra_delay_ms: float = 0.0) -> RawPacket:
        n = self.frame
        self.frame += 1
        captured_ms = T0_MS + n * 40.0
        arrival = captured_ms + self.latency_ms + extra_delay_ms
        pts = n * 3600 + self.rtp_offset
        if self.stale is not None:  # FFmpeg maps new timestamps through the last report
            report_pts, report_ms = self.stale
            prft_ms = report_ms + (pts - report_pts) / 90.0
        else:
            prft_ms = captured_ms + self.ntp_offset_ms
        return RawPacket(
            track=0,
            data=bytes([n % 256]),
            pts=pts,
            dts=pts,
            duration=3600,
            keyframe=key or n % 50 == 0,
            arrival_ms=round(arrival),
            arrival_mono=arrival / 1000.0,
            prft_us=round(prft_ms * 1000),
        )


def run(norm: PacketNormaliser, packets: list[RawPacket]) -> list[tuple[RawPacket, Packet]]:
    """Each emitted packet with the raw packet it came from (one in, at most one out here)."""
    pairs: list[tuple[RawPacket, Packet]] = []
    for raw in packets:
        packets_out = [i for i in norm.push(raw) if isinstance(i, Packet)]
        pairs += [(raw, p) for p in packets_out]
    return pairs


def off_arrival_ms(pairs: list[tuple[RawPacket, Packet]]) -> float:
    return max(abs(p.wall_ms - raw.arrival_ms) for raw, p in pairs)


def untrusted_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "not trusting them" in r.getMessage()]


def test_reports_of_a_real_camera_are_trusted() -> None:
    """NTP a few hundred ms off either way, with latency: the reports keep timing the stream."""
    for ntp_offset_ms, latency_ms in ((-300.0, 50.0), (400.0, 10.0), (-1200.0, 600.0)):
        camera = Camera(ntp_offset_ms=ntp_offset_ms, latency_ms=latency_ms)
        norm = PacketNormaliser((VIDEO,), 1, label=LABEL)
        pairs = run(norm, [camera.video() for _ in range(600)])
        assert norm.wallclock_source == "rtcp"
        assert all(p.wall_ms == round(raw.prft_us / 1000) for raw, p in pairs if raw.prft_us)


def test_a_stall_then_a_burst_keeps_the_reports_trusted() -> None:
    """A TCP camera that stalls for 5 s and then delivers what it buffered, all at once."""
    camera = Camera(latency_ms=30.0)
    norm = PacketNormaliser((VIDEO,), 1, label=LABEL)
    pairs = run(norm, [camera.video() for _ in range(100)])
    burst = [camera.video(extra_delay_ms=5000.0 - 40.0 * n) for n in range(125)]
    pairs += run(norm, burst + [camera.video() for _ in range(400)])
    assert norm.wallclock_source == "rtcp"
    assert all(p.wall_ms == round(raw.prft_us / 1000) for raw, p in pairs if raw.prft_us)


@pytest.mark.parametrize("jump_ticks", [HOUR_TICKS, -28 * 60 * 90_000], ids=["+1h", "-28min"])
def test_a_jump_followed_by_the_reports_stays_on_arrival(
    jump_ticks: int, caplog: pytest.LogCaptureFixture
) -> None:
    """The reported case: the camera's RTP and NTP clocks jump together (a restart, a wrong
    clock): the new generation is filed at its arrival time, and this is logged once."""
    caplog.set_level(logging.WARNING, "vms.ingest.normalise")
    camera = Camera()
    norm = PacketNormaliser((VIDEO,), 1, label=LABEL)
    before = run(norm, [camera.video() for _ in range(100)])
    assert norm.wallclock_source == "rtcp"
    camera.rtp_offset = jump_ticks
    camera.ntp_offset_ms += jump_ticks / 90.0
    after = run(norm, [camera.video() for _ in range(500)])
    assert {p.generation for _, p in after} == {2}
    assert off_arrival_ms(after) <= 5
    assert after[0][1].wall_ms > before[-1][1].wall_ms
    assert norm.wallclock_source == "arrival"
    lines = untrusted_lines(caplog)
    assert len(lines) == 1 and LABEL in lines[0], lines


@pytest.mark.parametrize("jump_ticks", [HOUR_TICKS, -28 * 60 * 90_000], ids=["+1h", "-28min"])
def test_a_stale_report_after_a_jump_is_not_used(jump_ticks: int) -> None:
    """RTCP keeps the old mapping (or no new report came yet): FFmpeg maps the jumped
    timestamps through the last report, an hour (or 28 minutes) away from arrival."""
    camera = Camera()
    norm = PacketNormaliser((VIDEO,), 1, label=LABEL)
    run(norm, [camera.video() for _ in range(100)])
    camera.stale = (99 * 3600, T0_MS + 99 * 40.0 + camera.ntp_offset_ms)
    camera.rtp_offset = jump_ticks
    after = run(norm, [camera.video() for _ in range(200)])
    assert off_arrival_ms(after) <= 5
    assert norm.wallclock_source == "arrival"


@pytest.mark.parametrize("step_ms", [3_600_000.0, -28 * 60_000.0, 2500.0, -2500.0])
def test_an_ntp_step_with_continuous_rtp_falls_back_to_arrival(
    step_ms: float, caplog: pytest.LogCaptureFixture
) -> None:
    """The camera's NTP client corrects its clock in mid-stream; the media flows on."""
    caplog.set_level(logging.WARNING, "vms.ingest.normalise")
    camera = Camera()
    norm = PacketNormaliser((VIDEO, AUDIO), 1, label=LABEL)
    run(norm, [camera.video() for _ in range(100)])
    camera.ntp_offset_ms += step_ms
    after = run(norm, [camera.video() for _ in range(400)])
    assert norm.discontinuities == 0
    assert off_arrival_ms(after) <= 5
    assert len(untrusted_lines(caplog)) == 1


def test_a_clock_drifting_away_is_dropped_within_a_window() -> None:
    """Reports that pass at first but fall behind arrival: every packet of a whole window
    arriving more than the bound after its reported capture time ends the trust."""
    camera = Camera(ntp_offset_ms=0.0, latency_ms=0.0)
    norm = PacketNormaliser((VIDEO,), 1, label=LABEL)
    packets = []
    for n in range(2000):  # the camera's clock runs 10 % slow against ours
        packet = camera.video()
        arrival = T0_MS + n * 44.0
        packets.append(replace(packet, arrival_ms=round(arrival), arrival_mono=arrival / 1000))
    pairs = run(norm, packets)
    assert norm.wallclock_source == "arrival"
    lags = [raw.arrival_ms - p.wall_ms for raw, p in pairs]
    assert max(lags) <= TRUST_BOUND_MS + 10_000 * 0.1 + 1000  # bound + one window of drift
    assert abs(lags[-1]) <= 1000  # back on arrival


def test_distrust_holds_for_every_track_and_the_rest_of_the_connection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "vms.ingest.normalise")
    camera = Camera()
    norm = PacketNormaliser((VIDEO, AUDIO), 1, label=LABEL)
    run(norm, [camera.video() for _ in range(50)])
    camera.ntp_offset_ms += 3_600_000.0
    run(norm, [camera.video() for _ in range(50)])
    camera.ntp_offset_ms -= 3_600_000.0  # the camera's clock is right again
    camera.rtp_offset = -10 * 90_000  # ...after a restart: a new generation
    items = [i for raw in [camera.video() for _ in range(100)] for i in norm.push(raw)]
    assert any(isinstance(i, StreamInfo) for i in items)
    assert norm.wallclock_source == "arrival"
    assert len(untrusted_lines(caplog)) == 1


def test_wall_clock_without_trust_ignores_reports() -> None:
    clock = WallClock(Fraction(1, 90_000), trust_reports=False)
    assert clock.wall_ms(0, T0_MS, (T0_MS + 3_600_000) * 1000) == T0_MS
    assert clock.wall_ms(3600, T0_MS + 40, (T0_MS + 3_600_040) * 1000) == T0_MS + 40
    assert clock.source == "arrival"
