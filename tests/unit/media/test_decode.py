"""VideoDecoder: hub packets to frames, each frame dated by the wall clock of its own packet."""

from __future__ import annotations

import dataclasses
import io
from fractions import Fraction

import av
import numpy as np
import pytest

from tests.support.media import encode_video, generate_stream, video_packets
from vms.media.decode import VideoDecoder
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo

WALL_MS = 1_790_000_000_000
SIZE = (64, 48)
FPS = 10


def numbered(index: int) -> av.VideoFrame:
    """A flat picture whose brightness tells its number (0, 8, 16...)."""
    grey = np.full((SIZE[1], SIZE[0], 3), index * 8, dtype=np.uint8)
    return av.VideoFrame.from_ndarray(grey, format="rgb24")


@pytest.fixture(scope="module")
def reordered() -> tuple[StreamInfo, list[Packet]]:
    """H.264 with B-frames: packets come in decode order, frames leave in presentation order."""
    buffer = io.BytesIO()
    options = {"preset": "ultrafast", "g": "30", "bf": "2", "b_strategy": "0"}
    frames = (numbered(i) for i in range(20))
    encode_video(buffer, frames, codec="libx264", fps=FPS, size=SIZE, options=options)
    return video_packets(buffer, lambda _index, pts_ms: WALL_MS + pts_ms)


def brightness(frame: av.VideoFrame) -> float:
    return float(np.asarray(frame.to_ndarray(format="gray")).mean())


def test_every_packet_gives_its_frame_with_its_wall_clock() -> None:
    stream = generate_stream(duration_s=1.0, fps=FPS, gop=FPS, size=SIZE, audio=False)
    decoder = VideoDecoder(stream.info.tracks[0])
    for packet in stream.packets:
        ((frame, wall_ms),) = decoder.decode(packet)
        assert wall_ms == packet.wall_ms
        assert (frame.width, frame.height) == SIZE
    assert decoder.errors == 0


def test_reordered_frames_keep_their_own_wall_clock(
    reordered: tuple[StreamInfo, list[Packet]],
) -> None:
    info, packets = reordered
    assert [p.pts for p in packets] != sorted(p.pts for p in packets)  # B-frames do reorder
    decoder = VideoDecoder(info.tracks[0])
    out = [pair for packet in packets for pair in decoder.decode(packet)]
    walls = [wall_ms for _frame, wall_ms in out]
    expected = sorted(p.wall_ms for p in packets)
    assert len(out) >= len(packets) - 4  # a few frames wait in the decoder for more packets
    assert walls == expected[: len(walls)]  # presentation order, each with its own time
    shades = [brightness(frame) for frame, _wall in out]
    assert shades == pytest.approx([i * 8 for i in range(len(out))], abs=3)


@pytest.mark.parametrize("threads", [1, 2])
def test_decoding_threads_change_no_pairing(
    reordered: tuple[StreamInfo, list[Packet]], threads: int
) -> None:
    info, packets = reordered
    decoder = VideoDecoder(info.tracks[0], threads=threads)
    out = [pair for packet in packets for pair in decoder.decode(packet)]
    for frame, wall_ms in out:
        assert frame.pts is not None
        assert wall_ms == WALL_MS + round(frame.pts * info.tracks[0].time_base * 1000)


def test_a_packet_the_decoder_rejects_is_counted_not_raised() -> None:
    stream = generate_stream(duration_s=0.5, fps=FPS, gop=FPS, size=SIZE, audio=False)
    decoder = VideoDecoder(stream.info.tracks[0])
    first, second, *rest = stream.packets
    assert len(decoder.decode(first)) == 1
    broken = dataclasses.replace(second, data=b"\x00\x00\x00\x05junk!" + b"\xff" * 40)
    assert decoder.decode(broken) == []
    assert decoder.errors == 1
    assert sum(len(decoder.decode(p)) for p in rest) == len(rest)  # decoding goes on


def test_an_audio_track_is_refused() -> None:
    audio = CodecParams(kind=MediaKind.AUDIO, codec="aac", time_base=Fraction(1, 48_000))
    with pytest.raises(ValueError, match="not a video codec"):
        VideoDecoder(audio)
