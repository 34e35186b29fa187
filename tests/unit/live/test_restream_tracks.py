"""Which hub tracks the restream announces, and its RTP clock across camera reconnects."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vms.live.restream_tracks import RtpTimeline, UnsupportedStreamError, mount_tracks
from vms.media.h26x import to_annexb
from vms.media.packet import CodecParams, MediaKind, StreamInfo

SPS = bytes.fromhex("6742c01eda0280bfe584")
PPS = bytes.fromhex("68ce3c80")
H264 = CodecParams(MediaKind.VIDEO, "h264", Fraction(1, 90_000), to_annexb([SPS, PPS]), 320, 240)
HEVC = CodecParams(MediaKind.VIDEO, "hevc", Fraction(1, 90_000), b"", 320, 240)
MJPEG = CodecParams(MediaKind.VIDEO, "mjpeg", Fraction(1, 90_000))
AAC = CodecParams(
    MediaKind.AUDIO, "aac", Fraction(1, 16_000), bytes.fromhex("1408"), 0, 0, 16_000, 1
)
AAC_NO_CONFIG = CodecParams(MediaKind.AUDIO, "aac", Fraction(1, 16_000), b"", 0, 0, 16_000, 1)
PCMU = CodecParams(MediaKind.AUDIO, "pcm_mulaw", Fraction(1, 8000), b"", 0, 0, 8000, 1)
PCMU_16K = CodecParams(MediaKind.AUDIO, "pcm_mulaw", Fraction(1, 16_000), b"", 0, 0, 16_000, 1)
OPUS = CodecParams(MediaKind.AUDIO, "opus", Fraction(1, 48_000), b"", 0, 0, 48_000, 2)


@pytest.mark.parametrize(
    ("tracks", "codecs", "payload_types", "track_map", "skipped"),
    [
        ((H264,), ("h264",), (96,), (0,), 0),
        ((HEVC, AAC), ("hevc", "aac"), (96, 97), (0, 1), 0),
        ((H264, PCMU), ("h264", "pcm_mulaw"), (96, 0), (0, 1), 0),
        ((H264, OPUS, AAC), ("h264", "aac"), (96, 97), (0, None, 1), 1),
        ((H264, PCMU_16K), ("h264",), (96,), (0, None), 1),
        ((H264, AAC_NO_CONFIG), ("h264",), (96,), (0, None), 1),
        ((AAC,), ("aac",), (96,), (0,), 0),
    ],
)
def test_mount_tracks(
    tracks: tuple[CodecParams, ...],
    codecs: tuple[str, ...],
    payload_types: tuple[int, ...],
    track_map: tuple[int | None, ...],
    skipped: int,
) -> None:
    mapped = mount_tracks(StreamInfo(tracks, 1))
    assert tuple(d.codec for d in mapped.descriptions) == codecs
    assert tuple(d.payload_type for d in mapped.descriptions) == payload_types
    assert mapped.track_map == track_map
    assert len(mapped.skipped) == skipped


@pytest.mark.parametrize("tracks", [(MJPEG,), (MJPEG, AAC), (OPUS,), ()])
def test_streams_without_a_usable_video_track_are_refused(tracks: tuple[CodecParams, ...]) -> None:
    with pytest.raises(UnsupportedStreamError):
        mount_tracks(StreamInfo(tracks, 1))


def test_same_parameters_give_equal_tracks_other_parameter_sets_do_not() -> None:
    first = mount_tracks(StreamInfo((H264, AAC), 1))
    again = CodecParams(
        MediaKind.VIDEO, "h264", Fraction(1, 90_000), to_annexb([SPS, PPS]), 320, 240
    )
    assert mount_tracks(StreamInfo((again, AAC), 2)) == first
    other_sps = to_annexb([bytes.fromhex("6742c01fda0280bfe584"), PPS])
    changed = CodecParams(MediaKind.VIDEO, "h264", Fraction(1, 90_000), other_sps, 320, 240)
    assert mount_tracks(StreamInfo((changed, AAC), 2)) != first


# (track, pts, wall_ms, expected RTP time); a None row starts a new generation.
TIMELINE: list[tuple[int, int, int, int] | None] = [
    (0, 0, 1000, 0),
    (1, 0, 1000, 0),
    (0, 3600, 1040, 3600),  # 90 kHz time base on a 90 kHz clock: unchanged
    (1, 1024, 1064, 1024),  # 1/16000 on 16 kHz audio
    (0, 10800, 1120, 10800),  # B-frame order may go back and forth; offset stays
    (0, 7200, 1080, 7200),
    None,
    (0, 0, 3120, 10800 + 2000 * 90),  # reconnect: after the max so far by the wall gap
    (1, 0, 3100, 1024 + (3100 - 1064) * 16),
    (0, 3600, 3160, 10800 + 2000 * 90 + 3600),
    None,
    (0, 50, 3160, 10800 + 2000 * 90 + 3601),  # no wall gap: at least one tick later
]


def test_rtp_timeline_keeps_time_going_forward_across_generations() -> None:
    timeline = RtpTimeline([90_000, 16_000])
    time_bases = [Fraction(1, 90_000), Fraction(1, 16_000)]
    timeline.new_generation(time_bases)
    for row in TIMELINE:
        if row is None:
            timeline.new_generation(time_bases)
            continue
        track, pts, wall_ms, expected = row
        assert timeline.rtp_time(track, pts, wall_ms) == expected, row


def test_rtp_timeline_scales_other_time_bases() -> None:
    timeline = RtpTimeline([90_000])
    timeline.new_generation([Fraction(1, 1000)])  # a millisecond time base (e.g. from FLV/TS)
    assert timeline.rtp_time(0, 40, 0) == 3600
    assert timeline.rtp_time(0, 1001, 0) == 90_090
