"""Unit tests for SDP generation and AAC AudioSpecificConfig parsing."""

from __future__ import annotations

import base64
from fractions import Fraction

import pytest

from vms.media.h26x import to_annexb
from vms.media.packet import CodecParams, MediaKind
from vms.media.sdp import (
    TrackDescription,
    build_sdp,
    parse_audio_specific_config,
    track_from_codec_params,
)

SPS = bytes.fromhex("6742c01eda0280bfe584")
PPS = bytes.fromhex("68ce3c80")


def test_h264_and_aac_session() -> None:
    video = TrackDescription.video("h264", to_annexb([SPS, PPS]), 1920, 1080)
    audio = TrackDescription.aac(bytes.fromhex("1188"))
    sdp = build_sdp((video, audio), "127.0.0.1", "cam1/main")
    lines = sdp.split("\r\n")
    assert lines[0] == "v=0"
    assert "a=range:npt=0-" in lines
    assert "m=video 0 RTP/AVP 96" in lines
    assert "a=rtpmap:96 H264/90000" in lines
    sprop = f"{base64.b64encode(SPS).decode()},{base64.b64encode(PPS).decode()}"
    assert (
        f"a=fmtp:96 packetization-mode=1; profile-level-id=42c01e; sprop-parameter-sets={sprop}"
        in lines
    )
    assert "a=control:trackID=0" in lines
    assert "m=audio 0 RTP/AVP 97" in lines
    assert "a=rtpmap:97 mpeg4-generic/48000/1" in lines
    assert any(line.startswith("a=fmtp:97 ") and "config=1188" in line for line in lines)
    assert any("sizelength=13; indexlength=3; indexdeltalength=3" in line for line in lines)
    assert "a=control:trackID=1" in lines
    assert sdp.endswith("\r\n")


def test_h265_sprop_parameters() -> None:
    vps, sps, pps = b"\x40\x01\x0c", b"\x42\x01\x01", b"\x44\x01\xc0"
    track = TrackDescription.video("hevc", to_annexb([vps, sps, pps]))
    sdp = build_sdp((track,), "127.0.0.1", "x")
    assert "a=rtpmap:96 H265/90000" in sdp
    assert f"sprop-vps={base64.b64encode(vps).decode()}" in sdp
    assert f"sprop-pps={base64.b64encode(pps).decode()}" in sdp


def test_pcmu_uses_static_payload_type() -> None:
    sdp = build_sdp((TrackDescription.pcmu(),), "::1", "x")
    assert "m=audio 0 RTP/AVP 0" in sdp
    assert "a=rtpmap:0 PCMU/8000" in sdp
    assert "c=IN IP6 ::" in sdp


def test_pcma_uses_static_payload_type() -> None:
    sdp = build_sdp((TrackDescription.pcma(),), "127.0.0.1", "x")
    assert "m=audio 0 RTP/AVP 8" in sdp
    assert "a=rtpmap:8 PCMA/8000" in sdp


@pytest.mark.parametrize(
    ("config", "expected"),
    [("1188", (48_000, 1)), ("1210", (44_100, 2)), ("1408", (16_000, 1)), ("1590", (8_000, 2))],
)
def test_audio_specific_config(config: str, expected: tuple[int, int]) -> None:
    assert parse_audio_specific_config(bytes.fromhex(config)) == expected


def test_track_from_codec_params() -> None:
    params = CodecParams(
        MediaKind.AUDIO, "aac", Fraction(1, 48000), bytes.fromhex("1188"), sample_rate=48000
    )
    track = track_from_codec_params(params, payload_type=98)
    assert (track.codec, track.clock_rate, track.payload_type) == ("aac", 48000, 98)
    with pytest.raises(ValueError, match="opus"):
        track_from_codec_params(CodecParams(MediaKind.AUDIO, "opus", Fraction(1, 48000)))
