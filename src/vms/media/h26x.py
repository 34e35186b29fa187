"""H.264/H.265 NAL unit splitting and parameter sets from avcC/hvcC or Annex B extradata.

RTP packetisers and SDP need the NAL units of an access unit and the SPS/PPS/VPS of a stream;
FFmpeg hands these out as opaque bytes, in either Annex B (start codes) or length-prefixed form,
so the few lines that split and classify them live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class VideoCodec(StrEnum):
    """The video codecs the RTP packetisers handle, by FFmpeg codec name."""

    H264 = "h264"
    H265 = "hevc"


H264_SPS = 7
H264_PPS = 8
H264_IDR = 5
H264_AUD = 9
H265_VPS = 32
H265_SPS = 33
H265_PPS = 34
H265_AUD = 35
_H265_IRAP_FIRST = 16
_H265_IRAP_LAST = 23


@dataclass(frozen=True, slots=True)
class ParameterSets:
    """The parameter sets of one video stream (VPS empty for H.264) and its NAL length size."""

    codec: VideoCodec
    vps: tuple[bytes, ...] = ()
    sps: tuple[bytes, ...] = ()
    pps: tuple[bytes, ...] = ()
    length_size: int = 4

    def all_units(self) -> tuple[bytes, ...]:
        """VPS, SPS and PPS NAL units in the order a decoder needs them."""
        return self.vps + self.sps + self.pps


def nal_type(codec: VideoCodec, nal: bytes) -> int:
    """The NAL unit type of one NAL unit (without start code or length prefix)."""
    if not nal:
        return -1
    if codec is VideoCodec.H264:
        return nal[0] & 0x1F
    return (nal[0] >> 1) & 0x3F


def is_parameter_set(codec: VideoCodec, nal: bytes) -> bool:
    kind = nal_type(codec, nal)
    if codec is VideoCodec.H264:
        return kind in (H264_SPS, H264_PPS)
    return kind in (H265_VPS, H265_SPS, H265_PPS)


def is_access_unit_delimiter(codec: VideoCodec, nal: bytes) -> bool:
    return nal_type(codec, nal) == (H264_AUD if codec is VideoCodec.H264 else H265_AUD)


def is_random_access(codec: VideoCodec, nal: bytes) -> bool:
    """True for an IDR (H.264) or IRAP (H.265) slice."""
    kind = nal_type(codec, nal)
    if codec is VideoCodec.H264:
        return kind == H264_IDR
    return _H265_IRAP_FIRST <= kind <= _H265_IRAP_LAST


def split_annexb(data: bytes) -> list[bytes]:
    """Split an Annex B byte stream at 3- and 4-byte start codes; empty units are dropped."""
    units: list[bytes] = []
    start = _next_start_code(data, 0)
    while start is not None:
        begin = start[1]
        following = _next_start_code(data, begin)
        end = following[0] if following is not None else len(data)
        unit = data[begin:end]
        if unit:
            units.append(unit)
        start = following
    return units


def _next_start_code(data: bytes, offset: int) -> tuple[int, int] | None:
    """(position of the start code, position after it), counting a leading zero as 4-byte code."""
    pos = data.find(b"\x00\x00\x01", offset)
    if pos < 0:
        return None
    code_start = pos - 1 if pos > offset and data[pos - 1] == 0 else pos
    return code_start, pos + 3


def split_length_prefixed(data: bytes, length_size: int = 4) -> list[bytes] | None:
    """Split length-prefixed NAL units; None unless the lengths consume `data` exactly."""
    units: list[bytes] = []
    pos = 0
    total = len(data)
    while pos < total:
        if pos + length_size > total:
            return None
        size = int.from_bytes(data[pos : pos + length_size], "big")
        pos += length_size
        if size == 0 or pos + size > total or data[pos] & 0x80:
            return None
        units.append(data[pos : pos + size])
        pos += size
    return units


def split_nal_units(data: bytes, length_size: int = 4) -> list[bytes]:
    """NAL units of an access unit given in either Annex B or length-prefixed form.

    A 4-byte start code cannot be a valid length prefix (a one-byte NAL unit carries no payload),
    and a length-prefixed reading must consume the buffer exactly, so the two forms are told apart
    without being told which one the producer used.
    """
    if data.startswith(b"\x00\x00\x00\x01"):
        return split_annexb(data)
    units = split_length_prefixed(data, length_size)
    return units if units is not None else split_annexb(data)


def parse_extradata(codec: VideoCodec, extradata: bytes) -> ParameterSets:
    """Parameter sets from avcC, hvcC or Annex B extradata (FFmpeg produces all three)."""
    if not extradata:
        return ParameterSets(codec=codec)
    if extradata[0] == 1 and not extradata.startswith(b"\x00\x00\x01"):
        if codec is VideoCodec.H264:
            return parse_avcc(extradata)
        return parse_hvcc(extradata)
    return parameter_sets_from_units(codec, split_annexb(extradata))


def parameter_sets_from_units(
    codec: VideoCodec, units: list[bytes], length_size: int = 4
) -> ParameterSets:
    """Collect the VPS/SPS/PPS among NAL units (the first of each distinct value is kept)."""
    vps: list[bytes] = []
    sps: list[bytes] = []
    pps: list[bytes] = []
    for unit in units:
        kind = nal_type(codec, unit)
        if codec is VideoCodec.H264:
            target = {H264_SPS: sps, H264_PPS: pps}.get(kind)
        else:
            target = {H265_VPS: vps, H265_SPS: sps, H265_PPS: pps}.get(kind)
        if target is not None and unit not in target:
            target.append(unit)
    return ParameterSets(codec, tuple(vps), tuple(sps), tuple(pps), length_size)


def parse_avcc(data: bytes) -> ParameterSets:
    """AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1)."""
    if len(data) < 7 or data[0] != 1:
        raise ValueError("not an avcC record")
    length_size = (data[4] & 0x03) + 1
    sps, pos = _read_units(data, 6, data[5] & 0x1F)
    if pos >= len(data):
        raise ValueError("avcC record truncated before PPS count")
    pps, _ = _read_units(data, pos + 1, data[pos])
    return ParameterSets(VideoCodec.H264, (), tuple(sps), tuple(pps), length_size)


def _read_units(data: bytes, pos: int, count: int) -> tuple[list[bytes], int]:
    """`count` units each with a 16-bit length, from `pos`; returns them and the end position."""
    units: list[bytes] = []
    for _ in range(count):
        if pos + 2 > len(data):
            raise ValueError("parameter set record truncated")
        size = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if pos + size > len(data):
            raise ValueError("parameter set record truncated")
        units.append(data[pos : pos + size])
        pos += size
    return units, pos


def parse_hvcc(data: bytes) -> ParameterSets:
    """HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1)."""
    if len(data) < 23 or data[0] != 1:
        raise ValueError("not an hvcC record")
    length_size = (data[21] & 0x03) + 1
    arrays = data[22]
    pos = 23
    units: list[bytes] = []
    for _ in range(arrays):
        if pos + 3 > len(data):
            raise ValueError("hvcC record truncated")
        count = int.from_bytes(data[pos + 1 : pos + 3], "big")
        found, pos = _read_units(data, pos + 3, count)
        units.extend(found)
    return parameter_sets_from_units(VideoCodec.H265, units, length_size)


def h264_profile_level_id(sps: bytes) -> str:
    """The six hex digits of profile_idc, constraint flags and level_idc (RFC 6184 8.1)."""
    if len(sps) < 4:
        raise ValueError("SPS too short for profile-level-id")
    return sps[1:4].hex()


def to_annexb(units: list[bytes] | tuple[bytes, ...]) -> bytes:
    """Join NAL units with 4-byte start codes."""
    return b"".join(b"\x00\x00\x00\x01" + unit for unit in units)
