"""Which decoded frames analytics looks at, and the picture the detector gets.

One decoder per watched stream (the tap's) serves motion and detection: each has its own rate
(`FrameClock`, timed by the frames' wall clock, so a late or bursty stream is sampled the same),
and a packet whose frame neither wants may skip decoding when no other frame refers to it
(H.264/H.265 non-reference pictures: FFmpeg's `skip_frame = NONREF`). Reference frames must be
decoded whatever the rate, because the frames after them are built on them.

`MotionGate` decides whether a frame due for detection is worth a model's time: in `motion`
mode only while the camera's motion detector sees motion in its zones, and for `hold_ms` after,
so a person who stops walking is still seen for a moment.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from vms.analytics.detection import FrameBGR
from vms.config.analytics import DetectMode


class FrameClock:
    """`fps` frames a second by their wall clock; a clock that went back starts over."""

    def __init__(self, fps: float) -> None:
        self.period_ms = round(1000 / fps)
        self._next_ms: int | None = None

    def due(self, wall_ms: int) -> bool:
        return self._next_ms is None or wall_ms >= self._next_ms or self._went_back(wall_ms)

    def take(self, wall_ms: int) -> bool:
        """Whether this frame is due; if so, the next is due one period later."""
        if not self.due(wall_ms):
            return False
        self._next_ms = wall_ms + self.period_ms
        return True

    def reset(self) -> None:
        self._next_ms = None

    def _went_back(self, wall_ms: int) -> bool:
        # a camera whose clock jumped back would otherwise give nothing until it caught up
        return self._next_ms is not None and wall_ms < self._next_ms - 10 * self.period_ms


@dataclass(frozen=True, slots=True)
class DetectPlan:
    """Detection on one camera: how, how often, and at what size."""

    mode: DetectMode
    fps: float
    width: int  # longest side of the picture the detector gets (aspect kept)
    hold_ms: int  # `motion` mode: detection goes on this long after the last motion


class AnalyticsFrames:
    """The clocks of one stream's frames: motion's and detection's (either may be off)."""

    def __init__(self, motion_fps: float | None, detect_fps: float | None) -> None:
        self.motion = FrameClock(motion_fps) if motion_fps else None
        self.detect = FrameClock(detect_fps) if detect_fps else None

    def needed(self, wall_ms: int) -> bool:
        """Whether the frame of a packet at `wall_ms` is wanted: if not, and no other frame
        refers to it, it need not be decoded."""
        return any(c is not None and c.due(wall_ms) for c in (self.motion, self.detect))

    def reset(self) -> None:
        for clock in (self.motion, self.detect):
            if clock is not None:
                clock.reset()


class MotionGate:
    """Open while motion is seen and `hold_ms` after; always open in `always` mode."""

    def __init__(self, mode: DetectMode, hold_ms: int) -> None:
        self.mode = mode
        self.hold_ms = hold_ms
        self._last_motion_ms: int | None = None

    def observe(self, moving: bool, wall_ms: int) -> None:
        if moving:
            self._last_motion_ms = wall_ms

    def open(self, wall_ms: int) -> bool:
        if self.mode == "always":
            return True
        if self.mode == "off" or self._last_motion_ms is None:
            return False
        return 0 <= wall_ms - self._last_motion_ms <= self.hold_ms

    def reset(self) -> None:
        self._last_motion_ms = None


def detect_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """The frame scaled so that its longest side is at most `longest` (never enlarged), even
    sizes, aspect kept: what fits the inference pool's slots (`longest` × `longest`)."""
    scale = min(1.0, longest / max(1, width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def frame_for_detection(
    frame: av.VideoFrame, longest: int, reformatter: VideoReformatter
) -> FrameBGR:
    """A BGR copy of the frame at `detect_size` (libswscale converts and scales in one pass)."""
    width, height = detect_size(frame.width, frame.height, longest)
    scaled = reformatter.reformat(
        frame, width=width, height=height, format="bgr24", interpolation=Interpolation.AREA
    )
    return np.ascontiguousarray(scaled.to_ndarray(), dtype=np.uint8)
