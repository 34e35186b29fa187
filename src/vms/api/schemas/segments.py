"""Recorded segments as listed by the API (a recording is the union of a camera's segments)."""

from __future__ import annotations

from pydantic import Field, computed_field

from vms.api.schemas.base import ApiModel
from vms.core.ids import StreamName
from vms.storage.index import SegmentRow


class SegmentView(ApiModel):
    """One recorded segment: a self-contained fragmented MP4 file."""

    segment_id: int
    camera_id: str
    stream: StreamName
    start_ms: int = Field(description="start, unix milliseconds UTC")
    end_ms: int = Field(description="end, unix milliseconds UTC")
    size_bytes: int = Field(ge=0)

    @classmethod
    def of(cls, row: SegmentRow) -> SegmentView:
        return cls(
            segment_id=row.id,
            camera_id=row.camera_id,
            stream=row.stream,
            start_ms=row.start_ms,
            end_ms=row.end_ms,
            size_bytes=row.size_bytes,
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def duration_ms(self) -> int:
        """Length of the segment in milliseconds."""
        return self.end_ms - self.start_ms

    @computed_field  # type: ignore[prop-decorator]
    @property
    def file_url(self) -> str:
        """Where to download the segment (supports HTTP Range)."""
        return f"/api/v1/segments/{self.segment_id}/file"
