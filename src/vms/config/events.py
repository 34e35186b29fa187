"""`events` section: how long events are kept and how much recording an event's clip shows."""

from __future__ import annotations

from pydantic import Field

from vms.config.base import Section


class EventsSettings(Section):
    """Event storage and clips."""

    retention_days: int = Field(
        30, ge=1, le=3650, description="events (and their snapshots) are deleted after this"
    )
    clip_pre_s: int = Field(5, ge=0, le=300, description="seconds of recording before an event")
    clip_post_s: int = Field(5, ge=0, le=300, description="seconds of recording after an event")
