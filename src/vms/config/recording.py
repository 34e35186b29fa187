"""`recording` section: how recordings are cut into segments and fragments."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from vms.config.base import Section, invalid


class RecordingSettings(Section):
    """Segment and fragment lengths of the recorder."""

    segment_duration_s: int = Field(
        60, ge=5, le=3600, description="target length of one segment file, in seconds"
    )
    fragment_ms: int = Field(
        1000,
        ge=100,
        le=10_000,
        description="target length of one fragment (the unit written and fsynced), in milliseconds",
    )
    pre_roll_max_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024 * 1024,
        le=1024 * 1024 * 1024,
        description="most bytes a camera recording on events holds in memory for its pre-roll",
    )

    @field_validator("fragment_ms")
    @classmethod
    def _fragment_fits_segment(cls, value: int, info: ValidationInfo) -> int:
        segment_s = info.data.get("segment_duration_s")
        if isinstance(segment_s, int) and value > segment_s * 1000:
            raise invalid(
                f"a fragment of {value} ms is longer than a segment of {segment_s} s",
                "make recording.fragment_ms at most recording.segment_duration_s x 1000",
            )
        return value
