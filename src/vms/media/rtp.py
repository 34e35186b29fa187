"""RTP packetisers (H.264 RFC 6184, H.265 RFC 7798, AAC RFC 3640, PCMU RFC 3551), RTCP SRs.

Hand-written because they serve the hand-written RTSP server (see `vms.media.rtsp.server`): FFmpeg's
RTP muxer packetises inside its own muxer and cannot hand back payloads that one packetisation
shares across many clients and cameras. A packetiser turns one access unit into RTP payloads;
`RtpSequencer` adds the 12-byte headers; the marker bit is set on the last packet of an access unit.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from vms.media.h26x import (
    ParameterSets,
    VideoCodec,
    is_access_unit_delimiter,
    is_parameter_set,
    is_random_access,
    split_nal_units,
)

DEFAULT_MTU = 1400
RTP_HEADER_SIZE = 12
NTP_UNIX_OFFSET_S = 2_208_988_800
_HEADER = struct.Struct("!BBHII")
_H264_FU_A = 28
_H265_FU = 49
_RTCP_SENDER_REPORT = 200


@dataclass(frozen=True, slots=True)
class RtpPayloads:
    """The RTP payloads of one access unit; only the last one carries the marker bit."""

    payloads: tuple[bytes, ...]
    keyframe: bool

    @property
    def size_bytes(self) -> int:
        return sum(len(payload) for payload in self.payloads)


def packetize_h264(nals: Sequence[bytes], mtu: int = DEFAULT_MTU) -> list[bytes]:
    """Single NAL unit packets, and FU-A fragments for NAL units larger than `mtu`."""
    payloads: list[bytes] = []
    for nal in nals:
        if len(nal) <= mtu:
            payloads.append(nal)
            continue
        indicator = (nal[0] & 0xE0) | _H264_FU_A
        kind = nal[0] & 0x1F
        body = nal[1:]
        chunk = mtu - 2
        for start in range(0, len(body), chunk):
            flags = (0x80 if start == 0 else 0) | (0x40 if start + chunk >= len(body) else 0)
            payloads.append(bytes((indicator, flags | kind)) + body[start : start + chunk])
    return payloads


def packetize_h265(nals: Sequence[bytes], mtu: int = DEFAULT_MTU) -> list[bytes]:
    """Single NAL unit packets, and FU fragments (type 49) for NAL units larger than `mtu`."""
    payloads: list[bytes] = []
    for nal in nals:
        if len(nal) <= mtu:
            payloads.append(nal)
            continue
        kind = (nal[0] >> 1) & 0x3F
        header = bytes(((nal[0] & 0x81) | (_H265_FU << 1), nal[1]))
        body = nal[2:]
        chunk = mtu - 3
        for start in range(0, len(body), chunk):
            flags = (0x80 if start == 0 else 0) | (0x40 if start + chunk >= len(body) else 0)
            payloads.append(header + bytes((flags | kind,)) + body[start : start + chunk])
    return payloads


def packetize_aac(access_unit: bytes, mtu: int = DEFAULT_MTU) -> list[bytes]:
    """mpeg4-generic AAC-hbr: one AU per packet behind a 16-bit AU header (13-bit size, index 0).

    An AU larger than the MTU is fragmented; every fragment repeats the header with the size of
    the whole AU (RFC 3640 3.2.3.1), and the marker goes on the last fragment.
    """
    if len(access_unit) >= 1 << 13:
        raise ValueError(f"AAC access unit of {len(access_unit)} bytes exceeds AAC-hbr's 8191")
    header = struct.pack("!HH", 16, len(access_unit) << 3)
    chunk = mtu - len(header)
    return [header + access_unit[i : i + chunk] for i in range(0, len(access_unit), chunk)] or [
        header
    ]


def packetize_pcm(samples: bytes, mtu: int = DEFAULT_MTU) -> list[bytes]:
    """G.711 (PCMU/PCMA): the samples themselves, split at the MTU."""
    return [samples[i : i + mtu] for i in range(0, len(samples), mtu)]


class VideoPacketizer:
    """Packetises H.264/H.265 access units given in Annex B or length-prefixed form.

    Access unit delimiters are dropped and, on random access points that lack them, the stream's
    parameter sets are sent in-band first, as cameras do, so a client that ignores the SDP (or a
    recorder starting mid-stream) can decode from any keyframe.
    """

    def __init__(self, parameter_sets: ParameterSets, mtu: int = DEFAULT_MTU) -> None:
        self._params = parameter_sets
        self._codec = parameter_sets.codec
        self._mtu = mtu

    def packetize(self, access_unit: bytes) -> RtpPayloads:
        nals = [
            nal
            for nal in split_nal_units(access_unit, self._params.length_size)
            if not is_access_unit_delimiter(self._codec, nal)
        ]
        keyframe = any(is_random_access(self._codec, nal) for nal in nals)
        if keyframe and not any(is_parameter_set(self._codec, nal) for nal in nals):
            nals = list(self._params.all_units()) + nals
        if self._codec is VideoCodec.H264:
            return RtpPayloads(tuple(packetize_h264(nals, self._mtu)), keyframe)
        return RtpPayloads(tuple(packetize_h265(nals, self._mtu)), keyframe)


def packetize_audio(codec: str, access_unit: bytes, mtu: int = DEFAULT_MTU) -> RtpPayloads:
    """Payloads of one audio frame: `codec` is the FFmpeg name ('aac', 'pcm_mulaw')."""
    if codec == "aac":
        return RtpPayloads(tuple(packetize_aac(access_unit, mtu)), keyframe=False)
    if codec in ("pcm_mulaw", "pcm_alaw"):
        return RtpPayloads(tuple(packetize_pcm(access_unit, mtu)), keyframe=False)
    raise ValueError(f"no RTP packetiser for audio codec {codec!r}")


class RtpSequencer:
    """Sequence numbers and headers of one RTP stream (one SSRC); counts what it sent for SR."""

    def __init__(self, payload_type: int, ssrc: int, first_seq: int) -> None:
        self.payload_type = payload_type
        self.ssrc = ssrc
        self.next_seq = first_seq & 0xFFFF
        self.packet_count = 0
        self.octet_count = 0

    def packets(self, payloads: Sequence[bytes], timestamp: int) -> list[bytes]:
        """Full RTP packets of one access unit; the marker bit is set on the last one."""
        out: list[bytes] = []
        last = len(payloads) - 1
        seq = self.next_seq
        ts = timestamp & 0xFFFFFFFF
        for index, payload in enumerate(payloads):
            second = self.payload_type | (0x80 if index == last else 0)
            out.append(_HEADER.pack(0x80, second, seq, ts, self.ssrc) + payload)
            seq = (seq + 1) & 0xFFFF
            self.octet_count += len(payload)
        self.next_seq = seq
        self.packet_count += len(payloads)
        return out


def ntp_timestamp(unix_us: int) -> int:
    """64-bit NTP timestamp (seconds since 1900 in 32.32 fixed point) for Unix microseconds."""
    seconds, micros = divmod(unix_us, 1_000_000)
    fraction = (micros << 32) // 1_000_000
    return ((seconds + NTP_UNIX_OFFSET_S) << 32) | fraction


def sender_report(
    ssrc: int,
    *,
    unix_us: int,
    rtp_timestamp: int,
    packet_count: int,
    octet_count: int,
    cname: bytes,
) -> bytes:
    """A compound RTCP packet: SR (RFC 3550 6.4.1, no report blocks) followed by SDES CNAME."""
    ntp = ntp_timestamp(unix_us)
    sr = struct.pack(
        "!BBHIIIIII",
        0x80,
        _RTCP_SENDER_REPORT,
        6,
        ssrc,
        ntp >> 32,
        ntp & 0xFFFFFFFF,
        rtp_timestamp & 0xFFFFFFFF,
        packet_count & 0xFFFFFFFF,
        octet_count & 0xFFFFFFFF,
    )
    item = bytes((1, len(cname))) + cname
    chunk = struct.pack("!I", ssrc) + item + b"\x00"
    chunk += b"\x00" * (-len(chunk) % 4)
    sdes = struct.pack("!BBH", 0x81, 202, len(chunk) // 4) + chunk
    return sr + sdes


@dataclass(frozen=True, slots=True)
class SenderReport:
    """An RTCP SR's mapping of an RTP timestamp to the wall clock (µs since the Unix epoch)."""

    rtp_timestamp: int
    wall_us: int


def parse_sender_reports(data: bytes) -> list[tuple[int, SenderReport]]:
    """(SSRC, report) of each sender report in a compound RTCP packet; junk is skipped."""
    reports: list[tuple[int, SenderReport]] = []
    pos = 0
    while pos + 4 <= len(data):
        if data[pos] >> 6 != 2:
            break
        length = (int.from_bytes(data[pos + 2 : pos + 4], "big") + 1) * 4
        if data[pos + 1] == _RTCP_SENDER_REPORT and pos + 28 <= len(data) and length >= 28:
            ssrc = int.from_bytes(data[pos + 4 : pos + 8], "big")
            seconds = int.from_bytes(data[pos + 8 : pos + 12], "big")
            fraction = int.from_bytes(data[pos + 12 : pos + 16], "big")
            rtp_timestamp = int.from_bytes(data[pos + 16 : pos + 20], "big")
            wall_us = (seconds - NTP_UNIX_OFFSET_S) * 1_000_000 + (fraction * 1_000_000 >> 32)
            reports.append((ssrc, SenderReport(rtp_timestamp, wall_us)))
        pos += length
    return reports
