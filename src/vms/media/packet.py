"""The values that travel the media path: codec parameters, packets and stream markers.

A Source turns each demuxed packet into a `Packet` (plain bytes plus timestamps) so that one
packet can be handed to any number of sinks on any thread without sharing a mutable PyAV object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

import av.stream


class MediaKind(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"


@dataclass(frozen=True, slots=True, eq=False)
class CodecParams:
    """Everything a muxer needs to write one track by stream copy.

    `template` is an independent PyAV stream holding a copy of the FFmpeg codec parameters (see
    `vms.media.avstream`); it lets a muxer create an output stream without an encoder and outlives
    the connection it was read from. It is not part of the value's identity.

    `reorder_depth` is how many pictures the decoder may have to hold before the one it shows
    next (0: pictures come in display order; more: B-frames, and PTS differs from DTS). It is
    FFmpeg's reading of the parameter sets, so a different value comes with different extradata;
    it decides which live protocols can carry the track (WebRTC cannot, docs/design/live-webrtc.md)
    and is not a muxer's concern, hence not in `same_format`.
    """

    kind: MediaKind
    codec: str  # FFmpeg codec name: "h264", "hevc", "aac", "pcm_mulaw", "opus"
    time_base: Fraction
    extradata: bytes = b""
    width: int = 0
    height: int = 0
    sample_rate: int = 0
    channels: int = 0
    reorder_depth: int = 0
    template: av.stream.Stream | None = field(default=None, repr=False)

    @property
    def has_b_frames(self) -> bool:
        """Pictures arrive out of display order (PTS != DTS): WebRTC cannot carry the track."""
        return self.reorder_depth > 0

    def same_format(self, other: CodecParams) -> bool:
        """True when a muxer could go on writing `other` into a file opened for `self`."""
        return (
            self.kind == other.kind
            and self.codec == other.codec
            and self.time_base == other.time_base
            and self.extradata == other.extradata
            and self.width == other.width
            and self.height == other.height
            and self.sample_rate == other.sample_rate
            and self.channels == other.channels
        )


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """The tracks of a stream for one connection; a new value is published on every (re)connect."""

    tracks: tuple[CodecParams, ...]
    generation: int

    @property
    def video_track(self) -> int | None:
        """Index of the first video track, or None for an audio-only stream."""
        for index, track in enumerate(self.tracks):
            if track.kind is MediaKind.VIDEO:
                return index
        return None


@dataclass(frozen=True, slots=True)
class Packet:
    """One compressed access unit of one track, as it came from the camera."""

    track: int  # index into StreamInfo.tracks
    data: bytes
    pts: int  # presentation time, in the track's time base; never below dts
    # Decoding time, in the track's time base: strictly increasing per track within a generation
    # (the normaliser bumps an equal one by a tick); equal to pts without B-frames
    # (docs/design/media-path.md, invariant 4).
    dts: int
    duration: int  # in the track's time base; 0 when unknown
    keyframe: bool
    wall_ms: int  # wall-clock time of `pts`: from RTCP sender reports when present, else arrival
    generation: int  # StreamInfo.generation this packet belongs to


@dataclass(frozen=True, slots=True)
class StreamEnded:
    """The connection to the camera was lost or closed; whatever follows is a new generation."""

    reason: str


@dataclass(frozen=True, slots=True)
class PacketsDropped:
    """A slow subscriber lost `count` packets; the next packet it gets is a video keyframe."""

    count: int


# What a hub hands its subscribers; `vms.media.sink.deliver` passes each to a Sink's method.
HubItem = Packet | StreamInfo | StreamEnded | PacketsDropped
