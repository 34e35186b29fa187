"""A receive that holds both picture sizes around a camera's size change: every batch the reader
hands out is described by the `tracks` the consumer reads at that moment.

The consumer (`Source._pump`) starts a new generation when `tracks` changed; had the reader
switched `tracks` before handing out the old-size part, that part (an old keyframe among it)
would open the new generation's segment, and one file would hold both sizes.
"""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace
from typing import Any

from tests.support.media import h264_access_units
from vms.core.camera_url import CameraUrl
from vms.core.clock import SystemClock
from vms.ingest.rtsp_pull import RtspPull
from vms.media.avstream import codec_params_from_annexb
from vms.media.h26x import to_annexb
from vms.media.packet import CodecParams, MediaKind
from vms.media.rtp import packetize_h264
from vms.media.rtp_depay.base import AccessUnit
from vms.media.rtp_depay.video import H264Depacketizer


def _receive(*sizes: tuple[int, int]) -> list[AccessUnit]:
    """The access units of one receive: two GOPs of each size in turn."""
    depay, units, seq, index = H264Depacketizer(), [], 0, 0
    for width, height in sizes:
        for nals in h264_access_units(width, height, 4):
            payloads = packetize_h264(nals, 1200)
            for number, payload in enumerate(payloads):
                units += depay.push(payload, index * 9000, number == len(payloads) - 1, seq)
                seq += 1
            index += 1
    return units


class _VideoTrack(SimpleNamespace):
    """The parts of an RtpTrack that the reader's split reads: its media and its depayloader."""

    def reordered(self, depth: int) -> None:
        del depth


def test_tracks_change_only_between_the_batches_of_two_sizes() -> None:
    units = _receive((64, 48), (96, 64))
    media = SimpleNamespace(kind=MediaKind.VIDEO, codec="h264", parameter_sets=None)
    track: Any = _VideoTrack(index=0, clock_rate=90_000, media=media, depay=None)
    pull = RtspPull(CameraUrl.parse("rtsp://127.0.0.1:9/cam"), io_timeout_s=1, clock=SystemClock())
    first = units[0]
    assert first.keyframe and first.parameter_sets is not None
    sets = first.parameter_sets
    prefix = to_annexb(list(sets.all_units()))
    pull.tracks = (codec_params_from_annexb("h264", prefix + first.data, Fraction(1, 90_000)),)
    pull._video, pull._video_sets = track, sets
    pull._batch = lambda part: [unit for _, unit in part]  # type: ignore[method-assign,assignment,misc]

    described: list[tuple[list[Any], CodecParams]] = []
    for batch in pull._batches_of([(track, unit) for unit in units]):
        described.append((list(batch), pull.tracks[0]))
    assert len(described) == 2
    for part, params in described:
        sizes = set()
        for unit in part:
            if unit.keyframe:
                assert unit.parameter_sets is not None
                prefix = to_annexb(list(unit.parameter_sets.all_units()))
                own = codec_params_from_annexb("h264", prefix + unit.data, params.time_base)
                sizes.add((own.width, own.height))
        assert sizes == {(params.width, params.height)}, (sizes, params)
