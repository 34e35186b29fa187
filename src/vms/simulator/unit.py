"""The hand-off between a simulator source and the camera mounts: one packetised access unit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vms.media.rtp import RtpPayloads


@dataclass(frozen=True, slots=True)
class SourceUnit:
    """An access unit of one variant, packetised once and shared by every camera's mount."""

    variant: str  # "main" or "sub"
    track: int
    payloads: RtpPayloads
    rtp_time: int  # in the track's clock rate, from the source's start
    keyframe: bool
    wall_ms: int  # capture (pattern) or schedule (file) wall time of the unit


Emit = Callable[[SourceUnit], None]
