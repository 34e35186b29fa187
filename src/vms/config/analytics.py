"""`analytics` section: how motion detection samples, compares and groups frames into events."""

from __future__ import annotations

from pydantic import Field

from vms.config.base import Section


class AnalyticsSettings(Section):
    """Motion detection for the cameras whose `motion` switch is on."""

    motion_fps: float = Field(
        5.0, gt=0, le=30, description="frames per second compared (every frame is decoded)"
    )
    motion_width: int = Field(
        160, ge=32, le=640, description="pixels across the picture is shrunk to before comparing"
    )
    motion_threshold: int = Field(
        20, ge=1, le=255, description="change of brightness (0-255) that counts a pixel as moving"
    )
    motion_min_area_percent: float = Field(
        0.5, gt=0, le=100, description="share of the watched area that must move to count"
    )
    motion_trigger_frames: int = Field(
        2, ge=1, le=50, description="compared frames in a row with motion that open an event"
    )
    motion_cooldown_s: float = Field(
        5.0, gt=0, le=600, description="seconds without motion that close an event"
    )
    max_event_s: int = Field(
        300, ge=10, le=86_400, description="longer motion is split into events of this length"
    )
