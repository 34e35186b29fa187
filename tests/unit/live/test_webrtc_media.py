"""WHEP media helpers: RTP-clock timelines, H.264 access units for aiortc, audio decoding."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from vms.core.clock import FakeClock
from vms.live.webrtc_media import (
    AudioDecoder,
    H264AccessUnits,
    RtpTimeline,
    audio_packet,
    video_packet,
)
from vms.media.packet import CodecParams, MediaKind

TB_90K = Fraction(1, 90_000)
SPS = bytes.fromhex("6742c01fda014016e8400000030040000000ca3c60ca80")
PPS = bytes.fromhex("68ce3c80")
IDR = b"\x65" + bytes(40)
P_SLICE = b"\x41" + bytes(20)


def annexb(*units: bytes) -> bytes:
    return b"".join(b"\x00\x00\x00\x01" + u for u in units)


def test_timeline_keeps_source_spacing_and_starts_at_zero(fake_clock: FakeClock) -> None:
    timeline = RtpTimeline(90_000, fake_clock)
    out = [timeline.next(dts, TB_90K, 1, catching_up=False) for dts in (5000, 8600, 12200)]
    assert out == [0, 3600, 7200]


def test_timeline_converts_time_bases(fake_clock: FakeClock) -> None:
    timeline = RtpTimeline(90_000, fake_clock)
    out = [timeline.next(ms, Fraction(1, 1000), 1, catching_up=False) for ms in (0, 40, 80)]
    assert out == [0, 3600, 7200]


def test_timeline_compresses_catch_up_to_one_millisecond(fake_clock: FakeClock) -> None:
    timeline = RtpTimeline(90_000, fake_clock)
    cached = [timeline.next(i * 3600, TB_90K, 1, catching_up=True) for i in range(50)]
    assert cached == [i * 90 for i in range(50)]  # a 2 s GOP is 49 ms of RTP time
    live = timeline.next(50 * 3600, TB_90K, 1, catching_up=False)
    assert live == cached[-1] + 3600  # live frames keep their real spacing


def test_timeline_joins_generations_by_elapsed_wall_time(fake_clock: FakeClock) -> None:
    timeline = RtpTimeline(90_000, fake_clock)
    first = timeline.next(1_000_000, TB_90K, 1, catching_up=False)
    fake_clock.advance(2.5)
    after = timeline.next(0, TB_90K, 2, catching_up=False)  # camera reconnected, dts reset
    assert after - first == 225_000
    assert timeline.next(3600, TB_90K, 2, catching_up=False) == after + 3600


@pytest.mark.parametrize("dts", [[0, 0], [100, 50]])
def test_timeline_never_repeats_or_goes_back(fake_clock: FakeClock, dts: list[int]) -> None:
    timeline = RtpTimeline(90_000, fake_clock)
    out = [timeline.next(d, TB_90K, 1, catching_up=False) for d in dts]
    assert out[1] > out[0]


def test_keyframe_gets_parameter_sets_from_extradata() -> None:
    units = H264AccessUnits(annexb(SPS, PPS))
    assert units.prepare(annexb(IDR), keyframe=True) == annexb(SPS, PPS, IDR)
    assert units.prepare(annexb(P_SLICE), keyframe=False) == annexb(P_SLICE)


def test_keyframe_with_in_band_parameter_sets_is_left_alone() -> None:
    units = H264AccessUnits(annexb(SPS, PPS))
    data = annexb(SPS, PPS, IDR)
    assert units.prepare(data, keyframe=True) is data


def test_length_prefixed_input_becomes_annexb_with_avcc_parameter_sets() -> None:
    avcc = b"\x01" + SPS[1:4] + b"\xff\xe1" + len(SPS).to_bytes(2, "big") + SPS
    avcc += b"\x01" + len(PPS).to_bytes(2, "big") + PPS
    units = H264AccessUnits(avcc)
    prefixed = len(IDR).to_bytes(4, "big") + IDR
    assert units.prepare(prefixed, keyframe=True) == annexb(SPS, PPS, IDR)


def test_bad_extradata_still_passes_packets() -> None:
    units = H264AccessUnits(b"\x01\x02")
    assert units.prepare(annexb(IDR), keyframe=True) == annexb(IDR)


def test_packets_carry_the_rtp_clock() -> None:
    video = video_packet(annexb(IDR), 3600)
    assert (video.pts, video.time_base, bytes(video)) == (3600, TB_90K, annexb(IDR))
    audio = audio_packet(b"\xff" * 160, 160, 8000)
    assert (audio.pts, audio.time_base) == (160, Fraction(1, 8000))


def aac_packets(seconds: float = 0.5) -> tuple[CodecParams, list[tuple[bytes, int]]]:
    """Real AAC-LC access units of a 440 Hz tone, as a camera would send them."""
    encoder = av.CodecContext.create("aac", "w")
    assert isinstance(encoder, av.AudioCodecContext)
    encoder.sample_rate = 16_000
    encoder.layout = "mono"
    encoder.format = "fltp"
    encoder.time_base = Fraction(1, 16_000)
    encoder.open()
    out: list[tuple[bytes, int]] = []
    samples = int(16_000 * seconds)
    tone = np.sin(np.arange(samples) * 2 * np.pi * 440 / 16_000).astype(np.float32)
    for start in range(0, samples - 1024, 1024):
        frame = av.AudioFrame.from_ndarray(
            tone[None, start : start + 1024], format="fltp", layout="mono"
        )
        frame.sample_rate = 16_000
        frame.pts = start
        out += [(bytes(p), int(p.pts or 0)) for p in encoder.encode(frame)]
    params = CodecParams(
        kind=MediaKind.AUDIO,
        codec="aac",
        time_base=Fraction(1, 16_000),
        extradata=bytes(encoder.extradata or b""),
        sample_rate=16_000,
        channels=1,
    )
    return params, out


def test_aac_decodes_to_s16_frames_aiortc_can_encode() -> None:
    params, packets = aac_packets()
    decoder = AudioDecoder(params)
    frames = [f for data, pts in packets for f in decoder.decode(data, pts)]
    assert frames
    assert {f.format.name for f in frames} == {"s16"}
    assert {f.layout.name for f in frames} == {"mono"}
    assert sum(f.samples for f in frames) >= 1024 * (len(packets) - 2)
    level = max(float(np.abs(f.to_ndarray()).max()) for f in frames)
    assert level > 1000  # the tone came through, not silence


def test_a_corrupt_audio_packet_gives_no_frames() -> None:
    params, _ = aac_packets(0.1)
    assert AudioDecoder(params).decode(b"\xff\x00garbage", 0) == []
