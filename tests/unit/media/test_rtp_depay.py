"""RTP depacketisers: round trips through the project's packetisers with real encoded streams."""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import av
import numpy as np
import pytest

from tests.support.media import noise_access_units
from vms.media.h26x import (
    ParameterSets,
    VideoCodec,
    is_access_unit_delimiter,
    is_parameter_set,
    is_random_access,
    nal_type,
    parameter_sets_from_units,
    to_annexb,
)
from vms.media.rtp import packetize_aac, packetize_h264, packetize_h265
from vms.media.rtp_depay import depacketizer_for
from vms.media.rtp_depay.audio import AacDepacketizer, PassthroughDepacketizer
from vms.media.rtp_depay.base import AccessUnit, Depacketizer
from vms.media.rtp_depay.video import H264Depacketizer, H265Depacketizer

WIDTH, HEIGHT = 64, 48
FRAMES = 15
GOP = 5
TS_STEP = 9000  # 90 kHz at 10 fps
FIRST_TS = 0xFFFFFFFF - 4 * TS_STEP  # timestamps wrap inside the stream
FIRST_SEQ = 65_500  # and so do sequence numbers

Packetizer = Callable[[Sequence[bytes], int], list[bytes]]


@dataclass(frozen=True)
class Stream:
    codec: VideoCodec
    access_units: list[list[bytes]]  # NAL units of each encoded access unit, AUDs included
    keyframes: list[bool]

    def expected(self, index: int) -> bytes:
        nals = self.access_units[index]
        return to_annexb([nal for nal in nals if not is_access_unit_delimiter(self.codec, nal)])

    def parameter_sets(self) -> ParameterSets:
        units = [nal for nal in self.access_units[0] if is_parameter_set(self.codec, nal)]
        return parameter_sets_from_units(self.codec, units)


@dataclass(frozen=True)
class Rtp:
    payload: bytes
    timestamp: int
    marker: bool
    seq: int
    au: int  # index of the access unit it belongs to


def encode(encoder: str, codec: VideoCodec, params: str) -> Stream:
    """Noise pictures (so slices are large) through a real encoder, AUDs and in-band headers on."""
    common = f"aud=1:repeat-headers=1:keyint={GOP}:min-keyint={GOP}:scenecut=0:bframes=0"
    units = noise_access_units(encoder, WIDTH, HEIGHT, FRAMES, f"{common}:{params}")
    keyframes = [any(is_random_access(codec, nal) for nal in nals) for nals in units]
    return Stream(codec, units, keyframes)


@pytest.fixture(scope="module")
def h264() -> Stream:
    return encode("libx264", VideoCodec.H264, "slices=2")


@pytest.fixture(scope="module")
def h265() -> Stream:
    return encode("libx265", VideoCodec.H265, "log-level=none")


def packets(stream: Stream, packetize: Packetizer, mtu: int, *, marker: bool = True) -> list[Rtp]:
    out: list[Rtp] = []
    seq = FIRST_SEQ
    for index, nals in enumerate(stream.access_units):
        payloads = packetize(nals, mtu)
        timestamp = (FIRST_TS + index * TS_STEP) & 0xFFFFFFFF
        for number, payload in enumerate(payloads):
            last = marker and number == len(payloads) - 1
            out.append(Rtp(payload, timestamp, last, seq & 0xFFFF, index))
            seq += 1
    return out


def feed(depay: Depacketizer, rtp: Iterable[Rtp]) -> list[AccessUnit]:
    return [au for p in rtp for au in depay.push(p.payload, p.timestamp, p.marker, p.seq)]


def timestamp_of(index: int) -> int:
    return (FIRST_TS + index * TS_STEP) & 0xFFFFFFFF


def assert_access_units(stream: Stream, got: list[AccessUnit], indices: Sequence[int]) -> None:
    assert [au.timestamp for au in got] == [timestamp_of(i) for i in indices]
    assert [au.keyframe for au in got] == [stream.keyframes[i] for i in indices]
    for au, index in zip(got, indices, strict=True):
        assert au.data == stream.expected(index)


def decode(codec: str, access_units: list[AccessUnit]) -> int:
    decoder = av.CodecContext.create(codec, "r")
    assert isinstance(decoder, av.VideoCodecContext)
    frames = 0
    for au in access_units:
        frames += len(decoder.decode(av.Packet(au.data)))
    frames += len(decoder.decode(None))
    return frames


def test_the_encoded_streams_exercise_what_they_should(h264: Stream, h265: Stream) -> None:
    for stream in (h264, h265):
        assert stream.keyframes == [i % GOP == 0 for i in range(FRAMES)]
        assert all(is_access_unit_delimiter(stream.codec, nals[0]) for nals in stream.access_units)
    assert sum(nal_type(VideoCodec.H264, nal) == 5 for nal in h264.access_units[0]) == 2


@pytest.mark.parametrize("mtu", [1400, 300, 40])
def test_h264_round_trip(h264: Stream, mtu: int) -> None:
    depay = H264Depacketizer()
    rtp = packets(h264, packetize_h264, mtu)
    assert mtu > 1000 or any(p.payload[0] & 0x1F == 28 for p in rtp)
    got: list[AccessUnit] = []
    for p in rtp:
        out = depay.push(p.payload, p.timestamp, p.marker, p.seq)
        assert len(out) == (1 if p.marker else 0)  # handed out at the marker, not one frame late
        got += out
    assert_access_units(h264, got, range(FRAMES))
    assert depay.lost == 0
    assert depay.parameter_sets == h264.parameter_sets()


def test_reassembled_h264_decodes(h264: Stream) -> None:
    got = feed(H264Depacketizer(), packets(h264, packetize_h264, 100))
    assert decode("h264", got) == FRAMES


@pytest.mark.parametrize("mtu", [1400, 300, 40])
def test_h265_round_trip(h265: Stream, mtu: int) -> None:
    depay = H265Depacketizer()
    rtp = packets(h265, packetize_h265, mtu)
    assert mtu > 1000 or any((p.payload[0] >> 1) & 0x3F == 49 for p in rtp)
    got = feed(depay, rtp)
    assert_access_units(h265, got, range(FRAMES))
    assert depay.lost == 0
    params = depay.parameter_sets
    assert params is not None and params == h265.parameter_sets()
    assert len(params.vps) == len(params.sps) == len(params.pps) == 1


def test_reassembled_h265_decodes(h265: Stream) -> None:
    got = feed(H265Depacketizer(), packets(h265, packetize_h265, 100))
    assert decode("hevc", got) == FRAMES


def test_timestamp_change_ends_an_access_unit_without_marker(h264: Stream) -> None:
    depay = H264Depacketizer()
    rtp = packets(h264, packetize_h264, 200, marker=False)
    got: list[AccessUnit] = []
    for p in rtp:
        out = depay.push(p.payload, p.timestamp, p.marker, p.seq)
        if out:
            assert p.au == len(got) + 1 and p.timestamp != out[0].timestamp
        got += out
    assert_access_units(h264, got, range(FRAMES - 1))  # the last one waits for a successor
    assert depay.lost == 0


def stap_a(nals: Sequence[bytes]) -> bytes:
    nri = max(nal[0] & 0x60 for nal in nals)
    return bytes((nri | 24,)) + b"".join(struct.pack("!H", len(nal)) + nal for nal in nals)


def aggregation_packet(nals: Sequence[bytes]) -> bytes:
    header = bytes((48 << 1, 1))
    return header + b"".join(struct.pack("!H", len(nal)) + nal for nal in nals)


def aggregate(stream: Stream, wrap: Callable[[Sequence[bytes]], bytes]) -> Packetizer:
    """Non-slice NAL units go together in one aggregation packet; slices as usual."""
    packetize = packetize_h264 if stream.codec is VideoCodec.H264 else packetize_h265

    def packetizer(nals: Sequence[bytes], mtu: int) -> list[bytes]:
        small = [nal for nal in nals if not is_slice(stream.codec, nal)]
        rest = [nal for nal in nals if is_slice(stream.codec, nal)]
        return [wrap(small), *packetize(rest, mtu)]

    return packetizer


def is_slice(codec: VideoCodec, nal: bytes) -> bool:
    kind = nal_type(codec, nal)
    return kind in (1, 5) if codec is VideoCodec.H264 else kind < 32


def test_h264_stap_a(h264: Stream) -> None:
    depay = H264Depacketizer()
    rtp = packets(h264, aggregate(h264, stap_a), 300)
    assert rtp[0].payload[0] & 0x1F == 24
    got = feed(depay, rtp)
    assert_access_units(h264, got, range(FRAMES))
    assert depay.parameter_sets == h264.parameter_sets()
    assert depay.lost == 0


def test_h265_aggregation_packet(h265: Stream) -> None:
    depay = H265Depacketizer()
    rtp = packets(h265, aggregate(h265, aggregation_packet), 300)
    assert (rtp[0].payload[0] >> 1) & 0x3F == 48
    got = feed(depay, rtp)
    assert_access_units(h265, got, range(FRAMES))
    assert depay.parameter_sets == h265.parameter_sets()
    assert depay.lost == 0


@pytest.mark.parametrize(
    ("codec", "packetize"), [("h264", packetize_h264), ("h265", packetize_h265)]
)
@pytest.mark.parametrize("lost_au", [1, 2, 5])
def test_gap_drops_the_access_unit_and_what_follows_until_a_keyframe(
    request: pytest.FixtureRequest, codec: str, packetize: Packetizer, lost_au: int
) -> None:
    stream: Stream = request.getfixturevalue(codec)
    depay = H264Depacketizer() if codec == "h264" else H265Depacketizer()
    rtp = packets(stream, packetize, 100)
    middle = [i for i, p in enumerate(rtp) if p.au == lost_au][1]
    got = feed(depay, rtp[:middle] + rtp[middle + 1 :])
    next_key = (lost_au // GOP + 1) * GOP
    kept = [i for i in range(FRAMES) if i < lost_au or i >= next_key]
    assert_access_units(stream, got, kept)
    assert depay.lost == next_key - lost_au
    assert decode("h264" if codec == "h264" else "hevc", got) == len(kept)


def test_gap_of_whole_access_units_waits_for_the_next_keyframe(h264: Stream) -> None:
    depay = H264Depacketizer()
    rtp = [p for p in packets(h264, packetize_h264, 300) if p.au not in (2, 3)]
    got = feed(depay, rtp)
    assert_access_units(h264, got, [0, 1, *range(GOP, FRAMES)])
    assert depay.lost == 1  # access unit 4: the missing ones were never seen


def fu_or_single_type(payload: bytes) -> int:
    kind = payload[0] & 0x1F
    if kind == 28 and payload[1] & 0x80:
        return payload[1] & 0x1F
    return kind


def test_keyframe_missing_its_beginning_is_dropped(h264: Stream) -> None:
    """Loss up to an IDR's second slice: the slices seen make a keyframe, but not a whole one."""
    depay = H264Depacketizer()
    rtp = packets(h264, packetize_h264, 1400)
    p_slice = next(i for i, p in enumerate(rtp) if p.au == GOP - 1 and p.payload[0] & 0x1F == 1)
    idr_slices = [i for i, p in enumerate(rtp) if p.au == GOP and fu_or_single_type(p.payload) == 5]
    assert len(idr_slices) == 2
    got = feed(depay, rtp[: p_slice + 1] + rtp[idr_slices[1] :])  # AU GOP-1 loses its end too
    assert_access_units(h264, got, [*range(GOP - 1), *range(2 * GOP, FRAMES)])
    assert depay.lost == 1 + 1 + (GOP - 1)  # AU GOP-1, the broken keyframe, the P-frames after


def test_stream_joined_mid_gop_starts_at_a_keyframe_without_counting_loss(h265: Stream) -> None:
    depay = H265Depacketizer()
    rtp = [p for p in packets(h265, packetize_h265, 300) if p.au >= 2]
    got = feed(depay, rtp)
    assert_access_units(h265, got, range(GOP, FRAMES))
    assert depay.lost == 0


def test_stream_joined_mid_access_unit(h264: Stream) -> None:
    depay = H264Depacketizer()
    rtp = packets(h264, packetize_h264, 100)
    inside = next(i for i, p in enumerate(rtp) if p.payload[0] & 0x1F == 28 and p.payload[1] < 0x40)
    got = feed(depay, rtp[inside:])  # a middle FU-A fragment of the first keyframe
    assert_access_units(h264, got, range(GOP, FRAMES))
    assert depay.lost == GOP  # the broken keyframe and the P-frames that needed it


GARBAGE_H264 = [
    b"",
    b"\x7c",  # FU-A without FU header
    b"\x7c\x05",  # FU-A start with no data
    b"\x7c\x05\x88",  # FU-A continuation without start
    b"\x7c\x85\x88" + b"\x7c\x05\x88",  # start only (the AU ends before the end bit)
    b"\x7c\x80\x00",  # FU-A of NAL type 0
    b"\x78",  # empty STAP-A
    b"\x78\x00",
    b"\x78\x00\x05\x67",  # STAP-A size past the end
    b"\x78\x00\x00\x67",  # STAP-A of a zero-length NAL
    b"\x78\x00\x01\x80",  # forbidden bit inside STAP-A
    b"\xe5\x88\x84",  # forbidden bit
    b"\x79\x00",  # STAP-B
    b"\x7a\x00\x00",  # MTAP16
    b"\x7d\x85\x00",  # FU-B
]

GARBAGE_H265 = [
    b"",
    b"\x02",
    b"\x62\x01",  # FU without FU header
    b"\x62\x01\x93",  # FU start with no data
    b"\x62\x01\x13\x00",  # FU continuation without start
    b"\x62\x01\xff\x00",  # FU of a reserved type
    b"\x60\x01",  # empty AP
    b"\x60\x01\x00\x10\x26",  # AP size past the end
    b"\x60\x01\x00\x01\x26",  # AP of a NAL unit shorter than its header
    b"\x64\x01\x00",  # PACI
    b"\xa6\x01\x00",  # forbidden bit
]


@pytest.mark.parametrize(
    ("codec", "packetize", "garbage"),
    [("h264", packetize_h264, GARBAGE_H264), ("h265", packetize_h265, GARBAGE_H265)],
)
def test_garbage_payload_drops_its_access_unit_and_never_raises(
    request: pytest.FixtureRequest, codec: str, packetize: Packetizer, garbage: list[bytes]
) -> None:
    stream: Stream = request.getfixturevalue(codec)
    for payload in garbage:
        depay = H264Depacketizer() if codec == "h264" else H265Depacketizer()
        rtp = packets(stream, packetize, 100)
        at = next(i for i, p in enumerate(rtp) if p.au == 1)
        bad = Rtp(payload, rtp[at].timestamp, False, rtp[at].seq, 1)
        renumbered = [
            Rtp(p.payload, p.timestamp, p.marker, (p.seq + 1) & 0xFFFF, p.au) for p in rtp[at:]
        ]
        got = feed(depay, [*rtp[:at], bad, *renumbered])
        assert_access_units(stream, got, [0, *range(GOP, FRAMES)])
        assert depay.lost == GOP - 1, payload


@pytest.mark.parametrize(
    "make", [H264Depacketizer, H265Depacketizer, AacDepacketizer, PassthroughDepacketizer]
)
def test_random_payloads_never_raise(make: Callable[[], Depacketizer]) -> None:
    rng = random.Random(3)
    depay = make()
    for seq in range(20_000):
        payload = rng.randbytes(rng.choice((0, 1, 2, 3, 4, 5, 8, 30)))
        depay.push(payload, rng.choice((0, 1)), rng.random() < 0.3, seq if seq % 50 else seq + 7)
    assert depay.lost > 0


def test_unused_nal_types_are_ignored() -> None:
    depay = H264Depacketizer()
    sps = bytes.fromhex("6742c01eda0280bfe584")
    idr = bytes.fromhex("6588840021")
    assert depay.push(b"\x1e\x00", 0, False, 0) == []  # type 30
    assert depay.push(sps, 0, False, 1) == []
    (au,) = depay.push(idr, 0, True, 2)
    assert au == AccessUnit(to_annexb([sps, idr]), 0, True)
    assert depay.lost == 0
    assert depay.parameter_sets is None  # no PPS yet


def aac_frames(count: int) -> list[bytes]:
    encoder = av.CodecContext.create("aac", "w")
    assert isinstance(encoder, av.AudioCodecContext)
    encoder.sample_rate = 48000
    encoder.layout = "mono"
    encoder.format = "fltp"
    samples = np.sin(np.arange(1024 * (count + 2)) / 7).astype(np.float32)
    frames: list[bytes] = []
    for index in range(count + 2):
        frame = av.AudioFrame.from_ndarray(
            samples[None, index * 1024 : (index + 1) * 1024], format="fltp", layout="mono"
        )
        frame.sample_rate = 48000
        frame.pts = index * 1024
        frames += [bytes(packet) for packet in encoder.encode(frame)]
    return frames[:count]


def aac_packet(frames: Sequence[bytes], size_length: int = 13, index_length: int = 3) -> bytes:
    """Several AUs behind AU headers of `size_length` + `index_length` bits (index deltas 0)."""
    bits = 0
    for frame in frames:
        bits = (bits << (size_length + index_length)) | (len(frame) << index_length)
    count = (size_length + index_length) * len(frames)
    pad = -count % 8
    headers = (bits << pad).to_bytes((count + pad) // 8, "big")
    return struct.pack("!H", count) + headers + b"".join(frames)


def test_aac_one_frame_per_packet_round_trip() -> None:
    frames = aac_frames(6)
    depay = AacDepacketizer()
    got = [
        au
        for index, frame in enumerate(frames)
        for payload in packetize_aac(frame)
        for au in depay.push(payload, index * 1024, True, index)
    ]
    assert got == [AccessUnit(frame, i * 1024, True) for i, frame in enumerate(frames)]
    assert depay.lost == 0


def test_aac_several_frames_per_packet() -> None:
    frames = aac_frames(7)
    depay = AacDepacketizer()
    got = depay.push(aac_packet(frames[:4]), 0xFFFFF000, True, 65535)
    got += depay.push(aac_packet(frames[4:]), 0xFFFFF000 + 4096 & 0xFFFFFFFF, True, 0)
    stamps = [(0xFFFFF000 + 1024 * i) & 0xFFFFFFFF for i in range(7)]
    assert got == [AccessUnit(f, ts, True) for f, ts in zip(frames, stamps, strict=True)]
    assert depay.lost == 0


def test_aac_index_delta_spaces_the_timestamps() -> None:
    depay = AacDepacketizer()
    # two AUs of 2 and 3 bytes, the second with index delta 1 (one AU skipped in between)
    headers = (2 << 3) << 16 | (3 << 3 | 1)
    payload = struct.pack("!HI", 32, headers) + b"ab" + b"cde"
    got = depay.push(payload, 1000, True, 0)
    assert got == [AccessUnit(b"ab", 1000, True), AccessUnit(b"cde", 1000 + 2048, True)]


def test_aac_lbr_from_fmtp() -> None:
    depay = depacketizer_for("aac", {"mode": "AAC-lbr", "SizeLength": "6", "IndexLength": "2"})
    got = depay.push(aac_packet([b"xyz", b"0123"], 6, 2), 0, True, 0)
    assert got == [AccessUnit(b"xyz", 0, True), AccessUnit(b"0123", 1024, True)]


def test_aac_fragmented_access_unit_is_joined() -> None:
    frame = bytes(range(256)) * 12
    payloads = packetize_aac(frame, mtu=1000)
    assert len(payloads) == 4
    depay = AacDepacketizer()
    outs = [depay.push(p, 5000, i == 3, 10 + i) for i, p in enumerate(payloads)]
    assert outs == [[], [], [], [AccessUnit(frame, 5000, True)]]
    assert depay.lost == 0


def test_aac_fragment_gap_drops_the_access_unit() -> None:
    frame = bytes(range(256)) * 12
    payloads = packetize_aac(frame, mtu=1000)
    depay = AacDepacketizer()
    got = depay.push(payloads[0], 5000, False, 10)
    got += depay.push(payloads[2], 5000, False, 12)
    got += depay.push(payloads[3], 5000, True, 13)
    got += depay.push(aac_packet([b"next"]), 6024, True, 14)
    assert got == [AccessUnit(b"next", 6024, True)]
    assert depay.lost == 1


def test_aac_stream_joined_mid_fragment() -> None:
    frame = bytes(range(256)) * 12
    payloads = packetize_aac(frame, mtu=1000)
    depay = AacDepacketizer()
    got = depay.push(payloads[2], 5000, False, 12)
    got += depay.push(payloads[3], 5000, True, 13)
    got += depay.push(aac_packet([b"next"]), 6024, True, 14)
    assert got == [AccessUnit(b"next", 6024, True)]
    assert depay.lost == 1


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x00",
        b"\x00\x00",  # no AU header
        b"\x00\x10",  # header length past the end
        b"\x00\x11\x00\x10\x00",  # header bits not a whole number of headers
        aac_packet([b"abc"]) + b"extra",
        aac_packet([b"abc", b"de"])[:-1],
    ],
)
def test_aac_garbage_is_counted(payload: bytes) -> None:
    depay = AacDepacketizer()
    assert depay.push(payload, 0, True, 0) == []
    assert depay.lost == 1
    assert depay.push(aac_packet([b"ok"]), 1024, True, 1) == [AccessUnit(b"ok", 1024, True)]


def test_passthrough() -> None:
    depay = depacketizer_for("pcm_alaw", {})
    assert depay.push(b"\xd5" * 160, 320, True, 4) == [AccessUnit(b"\xd5" * 160, 320, True)]
    assert depay.push(b"", 480, False, 5) == []
    assert depay.lost == 1


def test_depacketizer_for() -> None:
    assert isinstance(depacketizer_for("h264", {"packetization-mode": "1"}), H264Depacketizer)
    assert isinstance(depacketizer_for("hevc", {"sprop-max-don-diff": "0"}), H265Depacketizer)
    assert isinstance(depacketizer_for("aac", {}), AacDepacketizer)
    assert isinstance(depacketizer_for("pcm_mulaw", {}), PassthroughDepacketizer)


@pytest.mark.parametrize(
    ("codec", "fmtp"),
    [
        ("vp8", {}),
        ("mjpeg", {}),
        ("h264", {"packetization-mode": "2"}),
        ("hevc", {"sprop-max-don-diff": "2"}),
        ("aac", {"mode": "CELP-cbr"}),
        ("aac", {"mode": "AAC-hbr", "CTSDeltaLength": "16"}),
        ("aac", {"sizelength": "thirteen"}),
        ("aac", {"sizelength": "0"}),
    ],
)
def test_depacketizer_for_refuses(codec: str, fmtp: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=codec):
        depacketizer_for(codec, fmtp)
