"""System bodies for the settings page: health at a glance and the last hour of metrics."""

from __future__ import annotations

from pydantic import Field

from vms.api.schemas.base import ApiModel, RedactedText
from vms.telemetry.history import HistoryWindow


class SeriesLabels(ApiModel):
    """Which camera stream or pool a series is about (null: not that kind of series)."""

    camera: str | None = None
    stream: str | None = None
    pool: str | None = None


class SeriesOut(ApiModel):
    name: str = Field(
        description="camera_fps, camera_bitrate_bps, recorder_write_bytes_per_s, "
        "recording_write_bytes_per_s, process_cpu_percent, process_rss_bytes, pool_used_bytes, "
        "pool_free_bytes, pool_media_bytes"
    )
    labels: SeriesLabels
    unit: str = Field(description="fps, bit/s, byte/s, percent (of one core) or byte")
    points: list[float | None] = Field(description="one per step, oldest first; null: no sample")


class MetricsHistoryOut(ApiModel):
    """Series over a window: point i is the mean over [start_ms + i·step_ms, + step_ms)."""

    start_ms: int
    step_ms: int
    series: list[SeriesOut]

    @classmethod
    def of(cls, window: HistoryWindow) -> MetricsHistoryOut:
        return cls(
            start_ms=window.start_ms,
            step_ms=window.step_ms,
            series=[
                SeriesOut(
                    name=s.name,
                    labels=SeriesLabels.model_validate(s.labels),
                    unit=s.unit,
                    points=list(s.points),
                )
                for s in window.series
            ],
        )


class CameraCountsOut(ApiModel):
    """Cameras by state: online (a stream delivers), reconnecting (trying), offline (other)."""

    online: int = Field(ge=0)
    reconnecting: int = Field(ge=0)
    offline: int = Field(ge=0)
    total: int = Field(ge=0)


class PoolHealthOut(ApiModel):
    """A storage pool's space (null when its folder cannot be read) and whether it takes writes."""

    name: str
    path: str
    total_bytes: int | None = None
    used_bytes: int | None = Field(None, description="used on the file system, by anything")
    free_bytes: int | None = None
    media_bytes: int | None = Field(None, description="used by VMS recordings")
    writable: bool
    detail: RedactedText | None = None


class SystemHealthOut(ApiModel):
    version: str
    uptime_s: float = Field(ge=0)
    cameras: CameraCountsOut
    pools: list[PoolHealthOut]
    database: RedactedText = Field(description='"ok", or why the database did not answer')
