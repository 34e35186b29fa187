"""A camera that reorders pictures without declaring it (an H.264 SPS with no VUI bitstream
restriction): once the RTSP client has learned the depth, its `tracks` say the video has
B-frames, so the next generation's StreamInfo keeps WebRTC away from it (409)."""

from __future__ import annotations

from fractions import Fraction

from vms.core.camera_url import CameraUrl
from vms.core.clock import FakeClock
from vms.ingest.rtp_track import RtpTrack
from vms.ingest.rtsp_pull import RtspPull
from vms.media.packet import CodecParams, MediaKind
from vms.media.rtp_depay.base import AccessUnit
from vms.media.sdp_parse import parse_sdp

SDP = (
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1\r\na=control:trackID=0\r\n"
)
STEP = 3600  # one frame at 25 fps on the 90 kHz clock


def pull_with_undeclared_reordering() -> tuple[RtspPull, RtpTrack]:
    pull = RtspPull(CameraUrl.parse("rtsp://127.0.0.1:9/cam"), io_timeout_s=1.0, clock=FakeClock())
    track = RtpTrack(parse_sdp(SDP, "rtsp://127.0.0.1:9/")[0], 0)
    track.base = 0
    track.reordered(0)  # the SPS declares no reordering
    pull.tracks = (CodecParams(MediaKind.VIDEO, "h264", Fraction(1, 90_000), width=320),)
    return pull, track


def feed(pull: RtspPull, track: RtpTrack, frames: list[int]) -> list[int]:
    dts = []
    for n in frames:
        unit = AccessUnit(data=b"\x00\x00\x00\x01\x41", timestamp=n * STEP, keyframe=n == 0)
        dts.append(pull._raw(track, unit, arrival_ms=0, mono=0.0).dts or 0)
    return dts


def test_tracks_learn_the_depth_the_stream_shows() -> None:
    pull, track = pull_with_undeclared_reordering()
    before = pull.tracks
    feed(pull, track, [0, 3, 1, 2, 6, 4, 5])  # I P B B P B B: two B-frames between anchors
    assert pull.tracks is not before
    assert pull.tracks[0].reorder_depth >= 1
    assert pull.tracks[0].has_b_frames
    assert pull.tracks[0].width == 320  # everything else kept


def test_tracks_stay_the_same_without_reordering() -> None:
    pull, track = pull_with_undeclared_reordering()
    before = pull.tracks
    assert feed(pull, track, list(range(10))) == [n * STEP for n in range(10)]
    assert pull.tracks is before
