"""Each video keyframe carries the parameter sets it was encoded with.

One receive may hold several keyframes around a change of picture size (a camera thread that
was starved, or batched reads while nobody watches live). The reader splits generations at the
keyframe whose sets changed, so it must know each keyframe's own sets: the depacketizer's latest
sets, read after the whole receive, already belong to the new size at the old keyframes.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

from vms.media.h26x import VideoCodec, is_parameter_set, split_annexb
from vms.media.rtp import packetize_h264
from vms.media.rtp_depay.video import H264Depacketizer

GOP = 2


def _encode(width: int, height: int, frames: int) -> list[list[bytes]]:
    """NAL units of each access unit, headers repeated before every keyframe."""
    ctx = av.CodecContext.create("libx264", "w")
    assert isinstance(ctx, av.VideoCodecContext)
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base, ctx.framerate = Fraction(1, 10), Fraction(10)
    ctx.options = {"x264-params": f"repeat-headers=1:keyint={GOP}:min-keyint={GOP}:scenecut=0"}
    rng = np.random.default_rng(3)
    packets = []
    for index in range(frames):
        pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format="yuv420p")
        frame.pts = index
        packets += ctx.encode(frame)
    packets += ctx.encode(None)
    return [split_annexb(bytes(packet)) for packet in packets]


def test_keyframes_of_one_receive_keep_their_own_parameter_sets() -> None:
    small, large = _encode(64, 48, 4), _encode(96, 64, 4)
    depay = H264Depacketizer()
    units = []
    seq = 0
    for index, nals in enumerate(small + large):  # one receive: both sizes, all at once
        payloads = packetize_h264(nals, 1200)
        for number, payload in enumerate(payloads):
            units += depay.push(payload, index * 9000, number == len(payloads) - 1, seq)
            seq += 1
    keyframes = [unit for unit in units if unit.keyframe]
    assert len(keyframes) == 4
    for unit, source in zip(keyframes, [small, small, large, large], strict=True):
        own = [nal for nal in source[0] if is_parameter_set(VideoCodec.H264, nal)]
        assert unit.parameter_sets is not None
        assert list(unit.parameter_sets.all_units()) == own
    assert all(unit.parameter_sets is None for unit in units if not unit.keyframe)
