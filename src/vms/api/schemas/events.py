"""Event resources: an event as clients see it, and a page of search results."""

from __future__ import annotations

from pydantic import Field

from vms.api.schemas.base import ApiModel
from vms.events.models import EventRecord

API_PREFIX = "/api/v1"


class ClipView(ApiModel):
    """The recordings to play for an event (its time with some before and after)."""

    start_ms: int = Field(description="unix milliseconds UTC")
    end_ms: int


class EventView(ApiModel):
    """Something analytics saw happen on a camera."""

    id: str
    camera_id: str
    label: str = Field(description="what happened: 'motion' (later 'person', 'car'...)")
    zones: list[str] = Field(description="the camera's zones it touched; [] if it has none")
    score: float = Field(ge=0, le=1, description="motion: peak share of the watched area moving")
    start_ms: int = Field(description="unix milliseconds UTC")
    end_ms: int | None = Field(description="null while the event goes on")
    snapshot_url: str | None = Field(description="JPEG of its strongest moment, if taken")
    clip: ClipView

    @classmethod
    def of(cls, event: EventRecord, clip: tuple[int, int]) -> EventView:
        snapshot = f"{API_PREFIX}/events/{event.id}/snapshot.jpg" if event.has_snapshot else None
        return cls(
            id=event.id,
            camera_id=event.camera_id,
            label=event.label,
            zones=list(event.zones),
            score=event.score,
            start_ms=event.start_ms,
            end_ms=event.end_ms,
            snapshot_url=snapshot,
            clip=ClipView(start_ms=clip[0], end_ms=clip[1]),
        )


class EventPageView(ApiModel):
    """Events newest first; pass `next_cursor` back as `cursor` for the older ones."""

    events: list[EventView]
    next_cursor: str | None
