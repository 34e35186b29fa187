"""Unit tests for the RTP packetisers, the sequencer and RTCP sender reports."""

from __future__ import annotations

import struct

import pytest

from vms.media.h26x import ParameterSets, VideoCodec, to_annexb
from vms.media.rtp import (
    RtpSequencer,
    VideoPacketizer,
    ntp_timestamp,
    packetize_aac,
    packetize_audio,
    packetize_h264,
    packetize_h265,
    sender_report,
)

SPS = bytes.fromhex("6742c01eda0280bfe584")
PPS = bytes.fromhex("68ce3c80")


def depacketize_h264(payloads: list[bytes]) -> list[bytes]:
    """Test-side RFC 6184 reassembly (single NAL unit and FU-A)."""
    nals: list[bytes] = []
    current = bytearray()
    for payload in payloads:
        kind = payload[0] & 0x1F
        if kind == 28:
            start, end = payload[1] & 0x80, payload[1] & 0x40
            if start:
                assert not current, "FU-A start inside a fragment"
                current = bytearray([(payload[0] & 0xE0) | (payload[1] & 0x1F)])
            current += payload[2:]
            if end:
                nals.append(bytes(current))
                current = bytearray()
        else:
            assert not current, "single NAL unit inside a fragment"
            nals.append(payload)
    assert not current, "unterminated fragment"
    return nals


def depacketize_h265(payloads: list[bytes]) -> list[bytes]:
    """Test-side RFC 7798 reassembly (single NAL unit and FU)."""
    nals: list[bytes] = []
    current = bytearray()
    for payload in payloads:
        kind = (payload[0] >> 1) & 0x3F
        if kind == 49:
            fu = payload[2]
            if fu & 0x80:
                current = bytearray([(payload[0] & 0x81) | ((fu & 0x3F) << 1), payload[1]])
            current += payload[3:]
            if fu & 0x40:
                nals.append(bytes(current))
                current = bytearray()
        else:
            nals.append(payload)
    assert not current
    return nals


def test_h264_small_nal_units_are_sent_whole() -> None:
    assert packetize_h264([SPS, PPS]) == [SPS, PPS]


@pytest.mark.parametrize("size", [1401, 2798, 2799, 5000, 100_000])
def test_h264_fu_a_round_trip(size: int) -> None:
    nal = bytes([0x65]) + bytes((i * 7) & 0xFF for i in range(size - 1))
    payloads = packetize_h264([SPS, nal], mtu=1400)
    assert all(len(p) <= 1400 for p in payloads)
    assert payloads[0] == SPS
    assert payloads[1][0] == (0x60 | 28) and payloads[1][1] == 0x80 | 5
    assert payloads[-1][1] & 0x40
    assert depacketize_h264(payloads) == [SPS, nal]


@pytest.mark.parametrize("size", [1401, 5000, 60_000])
def test_h265_fu_round_trip(size: int) -> None:
    nal = bytes([19 << 1, 1]) + bytes((i * 13) & 0xFF for i in range(size - 2))
    payloads = packetize_h265([nal], mtu=1400)
    assert len(payloads) > 1
    assert all(len(p) <= 1400 for p in payloads)
    assert all((p[0] >> 1) & 0x3F == 49 for p in payloads)
    assert depacketize_h265(payloads) == [nal]


def test_video_packetizer_adds_parameter_sets_on_keyframes_and_drops_aud() -> None:
    params = ParameterSets(VideoCodec.H264, (), (SPS,), (PPS,))
    packetizer = VideoPacketizer(params)
    idr = bytes([0x65, 0x88]) + bytes(50)
    aud = bytes([0x09, 0xF0])
    out = packetizer.packetize(to_annexb([aud, idr]))
    assert out.keyframe
    assert list(out.payloads) == [SPS, PPS, idr]
    p_slice = bytes([0x41, 0x9A]) + bytes(10)
    prefixed = len(p_slice).to_bytes(4, "big") + p_slice
    later = packetizer.packetize(prefixed)
    assert not later.keyframe
    assert list(later.payloads) == [p_slice]


def test_sequencer_sets_marker_on_last_packet_and_wraps_sequence() -> None:
    seq = RtpSequencer(payload_type=96, ssrc=0x11223344, first_seq=0xFFFE)
    packets = seq.packets([b"a", b"bb", b"ccc"], timestamp=0x1_0000_0005)
    headers = [struct.unpack("!BBHII", p[:12]) for p in packets]
    assert [h[2] for h in headers] == [0xFFFE, 0xFFFF, 0]
    assert [h[1] >> 7 for h in headers] == [0, 0, 1]
    assert all(h[1] & 0x7F == 96 and h[0] == 0x80 for h in headers)
    assert all(h[3] == 5 and h[4] == 0x11223344 for h in headers)
    assert seq.next_seq == 1
    assert (seq.packet_count, seq.octet_count) == (3, 6)


def test_aac_au_header() -> None:
    frame = bytes(range(200))
    (payload,) = packetize_aac(frame)
    assert payload[:2] == b"\x00\x10"
    assert int.from_bytes(payload[2:4], "big") >> 3 == 200
    assert payload[4:] == frame


def test_aac_large_au_is_fragmented_with_whole_size_headers() -> None:
    frame = bytes(3000)
    payloads = packetize_aac(frame, mtu=1400)
    assert len(payloads) == 3
    assert all(int.from_bytes(p[2:4], "big") >> 3 == 3000 for p in payloads)
    assert b"".join(p[4:] for p in payloads) == frame


def test_pcmu_is_split_at_mtu() -> None:
    out = packetize_audio("pcm_mulaw", bytes(160))
    assert out.payloads == (bytes(160),)
    with pytest.raises(ValueError, match="opus"):
        packetize_audio("opus", b"x")


def test_ntp_timestamp() -> None:
    assert ntp_timestamp(0) == 2_208_988_800 << 32
    assert ntp_timestamp(1_500_000) & 0xFFFFFFFF == 1 << 31


def test_sender_report_layout() -> None:
    report = sender_report(
        0xABCDEF01,
        unix_us=1_700_000_000_250_000,
        rtp_timestamp=12345,
        packet_count=10,
        octet_count=9999,
        cname=b"vms/cam1",
    )
    version, kind, words, ssrc, ntp_hi, ntp_lo, rtp, packets, octets = struct.unpack_from(
        "!BBHIIIIII", report
    )
    assert (version, kind, words, ssrc) == (0x80, 200, 6, 0xABCDEF01)
    assert ntp_hi == 1_700_000_000 + 2_208_988_800
    assert ntp_lo == 1 << 30
    assert (rtp, packets, octets) == (12345, 10, 9999)
    sdes = report[28:]
    assert sdes[1] == 202
    assert len(sdes) == (int.from_bytes(sdes[2:4], "big") + 1) * 4
    assert b"vms/cam1" in sdes
