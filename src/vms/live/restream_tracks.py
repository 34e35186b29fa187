"""What the RTSP restream announces for a hub stream, and its RTP clock across camera reconnects.

Pure values and arithmetic, table-tested: which hub tracks become mount tracks (H.264/H.265 video,
AAC and G.711 µ-law audio; anything else is left out and said why), and the RTP time of each
packet: the camera's pts scaled to the track's clock rate, shifted on every new generation so
that RTP time keeps going forward by the wall-clock gap instead of jumping back to zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from vms.media.packet import MediaKind, StreamInfo
from vms.media.sdp import TrackDescription, track_from_codec_params

_VIDEO_CODECS = ("h264", "hevc")
_FIRST_DYNAMIC_PT = 96


class UnsupportedStreamError(ValueError):
    """The stream has nothing the restream can packetise (e.g. MJPEG video only)."""


@dataclass(frozen=True, slots=True)
class MountTracks:
    """The mount's tracks for one StreamInfo and where each hub track goes."""

    descriptions: tuple[TrackDescription, ...]
    track_map: tuple[int | None, ...]  # hub track index -> mount track index (None: left out)
    skipped: tuple[str, ...]  # why each left-out track was left out


def mount_tracks(info: StreamInfo) -> MountTracks:
    """Map a hub stream's tracks to RTSP tracks; UnsupportedStreamError when video cannot go."""
    descriptions: list[TrackDescription] = []
    track_map: list[int | None] = []
    skipped: list[str] = []
    has_video = False
    for index, params in enumerate(info.tracks):
        has_video = has_video or params.kind is MediaKind.VIDEO
        reason = _unsupported(params.kind, params.codec)
        description: TrackDescription | None = None
        if reason is None:
            static_pt = params.codec == "pcm_mulaw"
            payload_type = None if static_pt else _FIRST_DYNAMIC_PT + len(descriptions)
            try:
                description = track_from_codec_params(params, payload_type)
            except ValueError as error:
                reason = str(error)
        if description is None:
            skipped.append(f"track {index} ({params.kind.value} {params.codec}): {reason}")
            track_map.append(None)
            continue
        track_map.append(len(descriptions))
        descriptions.append(description)
    if has_video and not any(d.kind is MediaKind.VIDEO for d in descriptions):
        raise UnsupportedStreamError("; ".join(skipped) or "no video track")
    if not descriptions:
        raise UnsupportedStreamError("; ".join(skipped) or "the stream has no tracks")
    return MountTracks(tuple(descriptions), tuple(track_map), tuple(skipped))


def _unsupported(kind: MediaKind, codec: str) -> str | None:
    if kind is MediaKind.VIDEO and codec not in _VIDEO_CODECS:
        return "only H.264 and H.265 video can be restreamed"
    return None


class RtpTimeline:
    """RTP time per mount track: pts × clock rate, continuous across generations.

    Within a generation RTP time is the packet's pts converted to the track's clock rate plus an
    offset. When a new generation starts (the camera reconnected with the same tracks, its
    timestamps starting over), each track's offset is chosen so that its first packet lands
    after the last RTP time sent by the wall-clock gap between the two packets (at least one
    tick): clients see time keep going forward, as after a network stall.
    """

    __slots__ = ("_last", "_offsets", "_rates", "_scales")

    def __init__(self, clock_rates: Sequence[int]) -> None:
        self._rates = tuple(clock_rates)
        count = len(self._rates)
        self._scales: list[tuple[int, int]] = [(1, 1)] * count
        self._offsets: list[int | None] = [None] * count
        self._last: list[tuple[int, int] | None] = [None] * count  # (max RTP time, its wall ms)

    def new_generation(self, time_bases: Sequence[Fraction]) -> None:
        """The next packet of every track starts a generation with these pts time bases."""
        for track, time_base in enumerate(time_bases):
            self._scales[track] = (time_base.numerator * self._rates[track], time_base.denominator)
            self._offsets[track] = None

    def rtp_time(self, track: int, pts: int, wall_ms: int) -> int:
        """The RTP time (before the mount's random base) of a packet of `track`."""
        numerator, denominator = self._scales[track]
        raw = pts * numerator // denominator
        offset = self._offsets[track]
        if offset is None:
            offset = self._offsets[track] = self._offset_after_gap(track, raw, wall_ms)
        rtp = raw + offset
        last = self._last[track]
        if last is None or rtp > last[0]:
            self._last[track] = (rtp, wall_ms)
        return rtp

    def _offset_after_gap(self, track: int, raw: int, wall_ms: int) -> int:
        last = self._last[track]
        if last is None:
            return 0
        last_rtp, last_wall_ms = last
        gap = max(1, (wall_ms - last_wall_ms) * self._rates[track] // 1000)
        return last_rtp + gap - raw
