"""Settings of one camera simulator run (`vms simulate`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vms.simulator.scenario import Scenario


class AudioMode(StrEnum):
    AAC = "aac"
    PCMU = "pcmu"
    NONE = "none"


class SceneName(StrEnum):
    """A scene instead of the clock pattern: the looped `vtest.avi` clip, or cut-outs on paths."""

    VTEST = "vtest"
    COMPOSITE = "composite"


class VideoCodecName(StrEnum):
    H264 = "h264"
    H265 = "h265"

    @property
    def ffmpeg_name(self) -> str:
        return "h264" if self is VideoCodecName.H264 else "hevc"

    @property
    def encoder(self) -> str:
        return "libx264" if self is VideoCodecName.H264 else "libx265"


@dataclass(frozen=True, slots=True)
class SimulatorOptions:
    """What to serve: N cameras, each at /camK/main and /camK/sub (half width and height)."""

    cameras: int = 1
    codec: VideoCodecName = VideoCodecName.H264
    width: int = 1280
    height: int = 720
    fps: float = 25.0
    audio: AudioMode = AudioMode.AAC
    source: str = "pattern"  # "pattern" or the path of a video file to loop
    host: str = "127.0.0.1"
    port: int = 8554
    username: str | None = None
    password: str | None = None
    auth_schemes: tuple[str, ...] = ("digest", "basic")
    gop_seconds: float = 2.0
    bitrate: int = 2_000_000
    # None: the bar never stops. Else it moves only for the first `motion_on_s` of every
    # `motion_period_s` (wall clock), so motion detection sees motion begin and end.
    motion_period_s: float | None = None
    motion_on_s: float = 3.0
    scene: SceneName | None = None  # set: serve this scene (rendered once, then looped)
    scenario: Scenario | None = None  # composite scene's script; None: the built-in one
    scene_seconds: float | None = None  # vtest: loop only this much of the clip; None: all of it

    @property
    def gop_frames(self) -> int:
        return max(1, round(self.gop_seconds * self.fps))

    @property
    def sub_size(self) -> tuple[int, int]:
        """Half width and height, rounded down to even numbers for 4:2:0."""
        return max(2, self.width // 2 // 2 * 2), max(2, self.height // 2 // 2 * 2)

    @property
    def is_pattern(self) -> bool:
        return self.source == "pattern" and self.scene is None
