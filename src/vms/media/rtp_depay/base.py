"""What every RTP depacketiser hands out (`AccessUnit`) and the interface they share.

Apart from the video and audio readers (`vms.media.rtp_depay.video`, `.audio`) so that both, and
the RTSP client that uses them, depend on these two names only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vms.media.h26x import ParameterSets


@dataclass(frozen=True, slots=True)
class AccessUnit:
    """One access unit: video in Annex B (a start code before every NAL unit), audio one frame."""

    data: bytes
    timestamp: int  # the RTP timestamp as received (32-bit; unwrapping is the caller's job)
    keyframe: bool  # video: holds an IDR/IRAP slice; audio: always (every frame decodes alone)
    # A video keyframe: the in-band parameter sets in force when it ended. One receive may hold
    # several keyframes around a change of picture size, so the depacketizer's latest sets are
    # not the ones a given keyframe was encoded with.
    parameter_sets: ParameterSets | None = None


class Depacketizer(Protocol):
    """Turns the payloads of one RTP stream, in sequence order, into access units."""

    def push(self, payload: bytes, timestamp: int, marker: bool, seq: int) -> list[AccessUnit]:
        """The access units this packet completes (usually none or one)."""
        ...

    @property
    def lost(self) -> int:
        """Access units dropped because of sequence gaps or bad payloads."""
        ...
