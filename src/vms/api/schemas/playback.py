"""Timeline views of the playback API."""

from __future__ import annotations

from pydantic import Field

from vms.api.schemas.base import ApiModel


class IntervalView(ApiModel):
    start_ms: int = Field(description="unix milliseconds UTC")
    end_ms: int
    in_progress: bool = Field(
        False,
        description="still being recorded: the interval ends at the last fragment on disk (up to"
        " about 2 s behind now) and grows; the time after it is being recorded, not a gap",
    )


class GapView(ApiModel):
    start_ms: int
    end_ms: int
    cause: str = Field(
        description="camera_offline, vms_down (no VMS process was running), retention or unknown"
    )


class BucketView(ApiModel):
    start_ms: int
    segments: int = Field(description="segments starting in the bucket")
    recorded_ms: int = Field(description="milliseconds recorded in the bucket")


class TimelineView(ApiModel):
    camera_id: str
    stream: str
    start_ms: int
    end_ms: int
    recorded: list[IntervalView]
    gaps: list[GapView]
    bucket_ms: int | None
    buckets: list[BucketView]
