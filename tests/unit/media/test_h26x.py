"""Unit tests for NAL unit splitting and avcC/hvcC/Annex B parameter set parsing."""

from __future__ import annotations

import pytest

from vms.media.h26x import (
    VideoCodec,
    h264_profile_level_id,
    is_random_access,
    nal_type,
    parse_avcc,
    parse_extradata,
    parse_hvcc,
    split_annexb,
    split_length_prefixed,
    split_nal_units,
    to_annexb,
)

SPS = bytes.fromhex("6742c01eda0280bfe584")
PPS = bytes.fromhex("68ce3c80")
IDR = bytes([0x65]) + bytes(range(1, 200))
H265_VPS = bytes.fromhex("40010c01ffff0160")
H265_SPS = bytes.fromhex("420101016000")
H265_PPS = bytes.fromhex("4401c07183")


def _avcc(sps: bytes, pps: bytes, length_size: int = 4) -> bytes:
    return (
        bytes([1, sps[1], sps[2], sps[3], 0xFC | (length_size - 1), 0xE1])
        + len(sps).to_bytes(2, "big")
        + sps
        + b"\x01"
        + len(pps).to_bytes(2, "big")
        + pps
    )


def _hvcc(units: list[tuple[int, bytes]]) -> bytes:
    record = bytearray([1] + [0] * 20 + [0xFF & (0xFC | 3), len(units)])
    for kind, unit in units:
        record += bytes([0x80 | kind]) + (1).to_bytes(2, "big") + len(unit).to_bytes(2, "big")
        record += unit
    return bytes(record)


def test_split_annexb_handles_three_and_four_byte_start_codes() -> None:
    data = b"\x00\x00\x00\x01" + SPS + b"\x00\x00\x01" + PPS + b"\x00\x00\x00\x01" + IDR
    assert split_annexb(data) == [SPS, PPS, IDR]


def test_split_length_prefixed_requires_exact_consumption() -> None:
    data = len(SPS).to_bytes(4, "big") + SPS + len(PPS).to_bytes(4, "big") + PPS
    assert split_length_prefixed(data) == [SPS, PPS]
    assert split_length_prefixed(data + b"\x00") is None
    assert split_length_prefixed(data[:-1]) is None


def test_split_nal_units_detects_the_form() -> None:
    # A 256..511 byte NAL unit length-prefixed starts with 00 00 01: must not be read as Annex B.
    big = bytes([0x41]) + bytes(299)
    prefixed = len(big).to_bytes(4, "big") + big
    assert prefixed.startswith(b"\x00\x00\x01")
    assert split_nal_units(prefixed) == [big]
    assert split_nal_units(to_annexb([SPS, PPS, IDR])) == [SPS, PPS, IDR]
    two_byte = len(IDR).to_bytes(2, "big") + IDR
    assert split_nal_units(two_byte, length_size=2) == [IDR]


def test_parse_avcc_reads_sps_pps_and_length_size() -> None:
    params = parse_avcc(_avcc(SPS, PPS, length_size=2))
    assert params.sps == (SPS,)
    assert params.pps == (PPS,)
    assert params.length_size == 2
    assert parse_extradata(VideoCodec.H264, _avcc(SPS, PPS)).sps == (SPS,)


def test_parse_avcc_rejects_truncated_records() -> None:
    with pytest.raises(ValueError, match="truncated"):
        parse_avcc(_avcc(SPS, PPS)[:-2])


def test_parse_hvcc_reads_vps_sps_pps() -> None:
    record = _hvcc([(32, H265_VPS), (33, H265_SPS), (34, H265_PPS)])
    params = parse_hvcc(record)
    assert (params.vps, params.sps, params.pps) == ((H265_VPS,), (H265_SPS,), (H265_PPS,))
    assert params.length_size == 4
    assert parse_extradata(VideoCodec.H265, record).all_units() == (H265_VPS, H265_SPS, H265_PPS)


def test_annexb_extradata_is_accepted() -> None:
    params = parse_extradata(VideoCodec.H264, to_annexb([SPS, PPS]))
    assert params.sps == (SPS,)
    assert params.pps == (PPS,)


def test_nal_types_and_random_access() -> None:
    assert nal_type(VideoCodec.H264, SPS) == 7
    assert is_random_access(VideoCodec.H264, IDR)
    assert not is_random_access(VideoCodec.H264, bytes([0x41, 0]))
    assert nal_type(VideoCodec.H265, H265_VPS) == 32
    assert is_random_access(VideoCodec.H265, bytes([19 << 1, 1]))  # IDR_W_RADL
    assert is_random_access(VideoCodec.H265, bytes([21 << 1, 1]))  # CRA
    assert not is_random_access(VideoCodec.H265, bytes([1 << 1, 1]))


def test_profile_level_id() -> None:
    assert h264_profile_level_id(SPS) == "42c01e"
