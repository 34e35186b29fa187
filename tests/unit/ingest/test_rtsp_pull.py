"""RtspPull: RTCP sender reports, and a live pull of the simulator's camera (H.264 + AAC).

The pull replaces FFmpeg's RTSP demuxer for ingest (that one hands out an access unit only when
the next one starts, a frame late, and costs ~3 ms of CPU per camera-second), so it has to give
the recorder what the demuxer gave: one timeline for audio and video starting at the first
keyframe, and the wall clock of each packet from the sender reports ('prft').
"""

from __future__ import annotations

import itertools
import struct
import time
from fractions import Fraction

import pytest

from tests.support.simulator import simulator_process
from vms.core.camera_url import CameraUrl
from vms.core.clock import SystemClock
from vms.ingest.normalise import RawPacket
from vms.ingest.rtsp_pull import RtspPull
from vms.media.packet import MediaKind
from vms.media.rtp import SenderReport, parse_sender_reports, sender_report

UNIX_US = 1_700_000_000_123_456


def _receiver_report(ssrc: int) -> bytes:
    """An RTCP RR (RFC 3550 6.4.2) with one report block, as a receiver would send."""
    block = struct.pack("!IIIIII", 0x1234, 0, 1000, 0, 0, 0)
    return struct.pack("!BBHI", 0x81, 201, 7, ssrc) + block


def _report(ssrc: int, unix_us: int, rtp_timestamp: int) -> bytes:
    return sender_report(
        ssrc,
        unix_us=unix_us,
        rtp_timestamp=rtp_timestamp,
        packet_count=10,
        octet_count=1000,
        cname=b"cam",
    )


def _near(report: SenderReport, rtp_timestamp: int, unix_us: int) -> bool:
    """NTP fractions have sub-µs steps: the µs may come back one lower."""
    return report.rtp_timestamp == rtp_timestamp and 0 <= unix_us - report.wall_us <= 1


def test_sender_reports_are_found_after_a_receiver_report_and_before_junk() -> None:
    compound = (
        _receiver_report(7)
        + _report(0xCAFE, UNIX_US, 0xFFFF_FFF0)
        + _report(0xBEEF, UNIX_US + 40_000, 3600)
        + b"\x00junk that is not RTCP"
    )
    reports = parse_sender_reports(compound)
    assert [ssrc for ssrc, _ in reports] == [0xCAFE, 0xBEEF]
    assert _near(reports[0][1], 0xFFFF_FFF0, UNIX_US)
    assert _near(reports[1][1], 3600, UNIX_US + 40_000)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 40,  # not version 2
        _receiver_report(7),  # no SR
        _report(1, UNIX_US, 0)[:20],  # an SR cut short
    ],
)
def test_no_sender_report_in_junk(data: bytes) -> None:
    assert parse_sender_reports(data) == []


def test_junk_before_a_sender_report_hides_it() -> None:
    """The parser stops at the first packet that is not RTCP: it cannot find the next one."""
    assert parse_sender_reports(b"\x00\x00\x00\x00" + _report(1, UNIX_US, 0)) == []


FPS = 25
VIDEO_TICKS = 90_000 // FPS
PULL_SECONDS = 2.5


def _pull(url: str) -> tuple[tuple[str, ...], tuple[Fraction, ...], list[list[RawPacket]]]:
    pull = RtspPull(CameraUrl.parse(url), io_timeout_s=5, clock=SystemClock())
    try:
        tracks = pull.open()
        batches: list[list[RawPacket]] = []
        started = time.monotonic()
        for batch in pull.batches():
            batches.append(batch)
            if time.monotonic() - started > PULL_SECONDS:
                break
    finally:
        pull.close()
    assert [track.kind for track in tracks] == [MediaKind.VIDEO, MediaKind.AUDIO]
    return (
        tuple(track.codec for track in tracks),
        tuple(track.time_base for track in tracks),
        batches,
    )


ONE_TIMELINE_S = 0.5


@pytest.mark.slow  # the simulator takes a few seconds to start
def test_pull_of_the_simulator_gives_one_timeline_and_wall_clock() -> None:
    with simulator_process("--size", "320x240", "--bitrate", "300k", "--fps", str(FPS)) as sim:
        codecs, time_bases, batches = _pull(sim.url())
    assert codecs == ("h264", "aac")
    packets = [packet for batch in batches for packet in batch]
    video = [packet for packet in packets if packet.track == 0]
    audio = [packet for packet in packets if packet.track == 1]
    assert len(video) >= FPS * PULL_SECONDS * 0.8 and len(audio) > 10

    assert video[0].pts == 0 and video[0].keyframe
    pts = [packet.pts for packet in video if packet.pts is not None]
    assert len(pts) == len(video)
    steps = [after - before for before, after in itertools.pairwise(pts)]
    assert all(step > 0 and step % VIDEO_TICKS == 0 for step in steps)
    assert steps.count(VIDEO_TICKS) >= 0.9 * len(steps)  # the simulator may skip when late
    assert all(packet.dts == packet.pts for packet in packets)

    # Audio and video on one timeline: media time minus arrival time is the same for both
    # (the smallest such offset: the packet that waited least in the sender and the network).
    def lag_s(packet: RawPacket) -> float:
        assert packet.pts is not None
        return packet.arrival_mono - float(packet.pts * time_bases[packet.track])

    # A tolerance of a few frames: a loaded machine delays the sender's packets unevenly, while
    # two timelines gone apart (a wrong time base or offset) differ by seconds.
    assert abs(min(map(lag_s, video)) - min(map(lag_s, audio))) < ONE_TIMELINE_S
    for batch in batches:
        times = {p.track: float(p.pts * time_bases[p.track]) for p in batch if p.pts is not None}
        if len(times) == 2:
            assert abs(times[0] - times[1]) < ONE_TIMELINE_S

    # Wall clock from the sender reports: once a track has one, every later packet has it.
    for track in (video, audio):
        first = next(index for index, packet in enumerate(track) if packet.prft_us is not None)
        assert first < len(track) // 2  # the server sends a report at PLAY, then every second
        for packet in track[first:]:
            assert packet.prft_us is not None
            assert abs(packet.prft_us / 1000 - packet.arrival_ms) < 1000
