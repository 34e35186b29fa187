"""The RTSP client's per-track sender report: never mapped through after the RTP clock jumps.

The report a camera sent before a jump maps the jumped timestamps an hour (or 28 minutes) away
from their real time; the client drops it at the first jumped packet, and refuses a report whose
RTP timestamp is off the stream's timeline (a camera that keeps sending the old mapping).
"""

from __future__ import annotations

import pytest

from vms.ingest.rtp_track import RtpTrack
from vms.media.rtp import SenderReport
from vms.media.sdp_parse import parse_sdp

SDP = (
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1\r\na=control:trackID=0\r\n"
)
UNIX_US = 1_700_000_000_000_000
RATE = 90_000


def track_with_report() -> RtpTrack:
    """A track that has had 4 s of packets at 25 fps and a report for its latest timestamp."""
    track = RtpTrack(parse_sdp(SDP, "rtsp://cam/")[0], 0)
    for n in range(100):
        track.unwrap(1000 + n * 3600)
        track.last_arrival_mono = n * 0.04
    assert track.take_report(
        SenderReport(wall_us=UNIX_US, rtp_timestamp=1000 + 99 * 3600), now_mono=99 * 0.04
    )
    return track


def packet_at(track: RtpTrack, timestamp: int, arrival_mono: float) -> int | None:
    track.unwrap(timestamp)
    track.last_arrival_mono = arrival_mono
    return track.wall_us(track.extended)


def test_the_report_maps_the_timestamps_that_follow_it() -> None:
    track = track_with_report()
    assert packet_at(track, 1000 + 100 * 3600, 4.0) == UNIX_US + 40_000
    # a stall: the next packets come 5 s late, media time goes on where it was
    assert packet_at(track, 1000 + 101 * 3600, 9.0) == UNIX_US + 80_000


@pytest.mark.parametrize("jump_s", [3600, -28 * 60, 30, -5])
def test_a_jump_drops_the_report(jump_s: int) -> None:
    track = track_with_report()
    jumped = 1000 + 100 * 3600 + jump_s * RATE
    assert packet_at(track, jumped, 4.0) is None
    assert track.report is None
    assert packet_at(track, jumped + 3600, 4.04) is None  # gone until a new report


def test_a_report_that_follows_the_jump_is_taken() -> None:
    """The camera's NTP time jumped with its RTP clock: the report is consistent with the
    stream, so the client passes it on; the normaliser's trust rule judges its wall time."""
    track = track_with_report()
    jumped = 1000 + 100 * 3600 + 3600 * RATE
    assert packet_at(track, jumped, 4.0) is None
    assert track.take_report(
        SenderReport(wall_us=UNIX_US + 3600 * 1_000_000, rtp_timestamp=jumped), now_mono=4.01
    )
    assert packet_at(track, jumped + 3600, 4.04) == UNIX_US + 3600 * 1_000_000 + 40_000


@pytest.mark.parametrize("off_s", [-3600, -10, 3600])
def test_a_report_off_the_streams_timeline_is_refused(off_s: int) -> None:
    """After a jump the camera keeps reporting its old RTP clock (or stamps reports from
    another one): mapping the stream through it would move it by the jump."""
    track = track_with_report()
    current = 1000 + 100 * 3600
    packet_at(track, current, 4.0)
    report = SenderReport(wall_us=UNIX_US + 40_000, rtp_timestamp=current + off_s * RATE)
    assert not track.take_report(report, now_mono=4.02)
    assert track.report is not None and track.report.rtp_timestamp == 1000 + 99 * 3600


def test_a_report_a_little_ahead_of_the_last_packet_is_taken() -> None:
    """A report is stamped when it is sent, a frame or a stall after the latest packet."""
    track = track_with_report()
    packet_at(track, 1000 + 100 * 3600, 4.0)
    assert track.take_report(
        SenderReport(wall_us=UNIX_US + 5_040_000, rtp_timestamp=1000 + 225 * 3600), now_mono=9.0
    )
