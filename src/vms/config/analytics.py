"""`analytics` section: how motion detection samples, compares and groups frames into events."""

from __future__ import annotations

import zoneinfo
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from vms.config.base import Section, invalid
from vms.config.cameras import CameraConfig, DetectModeName
from vms.config.detector import DetectorConfig

DEFAULT_DETECTOR_FACTORY = "vms.analytics.detector:build_detector"

DetectMode = DetectModeName


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
    detect_default: DetectMode = Field(
        "off",
        description="object detection of the cameras that set no `detect` of their own: off,"
        " always, or motion (while motion is seen in the camera's zones, and"
        " detect_motion_hold_s after)",
    )
    detect_fps: float = Field(5.0, gt=0, le=30, description="frames per second detected on")
    detect_width: int = Field(
        640, ge=64, le=1920, description="longest side of the picture given to the detector"
    )
    detect_motion_hold_s: float = Field(
        2.0, ge=0, le=60, description="motion mode: seconds detection goes on after motion"
    )
    inference_workers: int = Field(1, ge=1, le=64, description="detector worker processes")
    inference_slots: int = Field(
        4, ge=1, le=64, description="frames a worker holds at once; a full worker drops frames"
    )
    inference_hang_s: float = Field(
        10.0, ge=1, le=600, description="a worker silent this long is killed and restarted"
    )
    detector_factory: str = Field(
        DEFAULT_DETECTOR_FACTORY,
        description="module:function that builds the detector in each worker",
    )
    detector_options: dict[str, Any] = Field(
        default_factory=dict, description="what detector_factory is called with"
    )

    timezone: str = Field(
        "UTC",
        description="the site's time zone (IANA name such as 'Europe/Paris'): rule schedules"
        " are read on its wall clock",
    )

    @model_validator(mode="before")
    @classmethod
    def _detect_map_moved(cls, data: object) -> object:
        """The `detect` map of camera ids is gone: say where its modes went."""
        if isinstance(data, dict) and "detect" in data:
            raise invalid(
                "analytics.detect (a map of camera ids) is no longer read",
                "set `detect: off | motion | always` on each camera instead, and"
                " analytics.detect_default for the cameras that set none",
            )
        return data

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            message = f"unknown time zone {name!r} (an IANA name such as 'Europe/Paris')"
            raise ValueError(message) from error
        return name

    @model_validator(mode="after")
    def _shipped_detector_options(self) -> AnalyticsSettings:
        """Options for the shipped detector are checked here, at load, not first in a worker:
        another factory's options are that factory's business."""
        if self.detector_factory == DEFAULT_DETECTOR_FACTORY:
            try:
                DetectorConfig.model_validate(self.detector_options)
            except ValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
                    for item in error.errors()
                )
                raise invalid(
                    f"detector_options for the shipped detector: {problems}",
                    f"use the detector's keys ({', '.join(DetectorConfig.model_fields)}): see"
                    " docs/guide/configuration.md",
                ) from None
        return self

    def detect_mode(self, camera: CameraConfig) -> DetectMode:
        """The camera's own mode, or `detect_default` when it sets none."""
        return camera.detect if camera.detect is not None else self.detect_default
