"""Each video keyframe carries the parameter sets it was encoded with.

One receive may hold several keyframes around a change of picture size (a camera thread that
was starved, or batched reads while nobody watches live). The reader splits generations at the
keyframe whose sets changed, so it must know each keyframe's own sets: the depacketizer's latest
sets, read after the whole receive, already belong to the new size at the old keyframes.
"""

from __future__ import annotations

from tests.support.media import h264_access_units
from vms.media.h26x import VideoCodec, is_parameter_set
from vms.media.rtp import packetize_h264
from vms.media.rtp_depay.video import H264Depacketizer


def test_keyframes_of_one_receive_keep_their_own_parameter_sets() -> None:
    small, large = h264_access_units(64, 48, 4), h264_access_units(96, 64, 4)
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
