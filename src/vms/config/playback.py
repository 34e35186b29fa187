"""`playback` section: limits of playback queries and where exports go and how long they stay."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from vms.config.base import Section


class PlaybackSettings(Section):
    """Playback and export limits."""

    max_range_s: int = Field(
        86_400, ge=60, description="longest range of one VOD playlist or export, in seconds"
    )
    max_timeline_range_s: int = Field(
        90 * 86_400, ge=3600, description="longest range of one timeline query, in seconds"
    )
    exports_dir: Path | None = Field(
        None, description="folder for exported MP4s and manifests; default <data_dir>/exports"
    )
    export_retention_days: int = Field(
        30, ge=1, description="finished exports are deleted after this many days"
    )
