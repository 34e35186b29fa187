"""Event resources: an event as clients see it, and a page of search results."""

from __future__ import annotations

from typing import Literal, cast

from pydantic import ConfigDict, Field

from vms.api.schemas.base import ApiModel
from vms.events.models import EventRecord

API_PREFIX = "/api/v1"


class ClipView(ApiModel):
    """The recordings to play for an event (its time with some before and after)."""

    start_ms: int = Field(description="unix milliseconds UTC")
    end_ms: int


RuleKindName = Literal["zone", "count", "line", "loiter"]
DirectionName = Literal["a_to_b", "b_to_a"]


class CountsView(ApiModel):
    """A line rule's crossings so far (while the rule was active): `in` is A→B, `out` B→A."""

    # `in` is a Python keyword: the field is `in_`, named `in` on the wire (SSE included)
    model_config = ConfigDict(frozen=True, extra="forbid", serialize_by_alias=True)

    in_: int = Field(alias="in", ge=0)
    out: int = Field(ge=0)


class EventView(ApiModel):
    """Something analytics saw happen on a camera."""

    id: str
    camera_id: str
    label: str = Field(description="what happened: 'motion', or the object: 'person', 'car'...")
    zones: list[str] = Field(description="the camera's zones it touched; [] if it has none")
    score: float = Field(
        ge=0,
        le=1,
        description="motion: peak share of the watched area moving; rules: the detection score",
    )
    start_ms: int = Field(description="unix milliseconds UTC")
    end_ms: int | None = Field(description="null while the event goes on")
    snapshot_url: str | None = Field(description="JPEG of its strongest moment, if taken")
    clip: ClipView
    rule: str | None = Field(description="the rule that made it; null for motion")
    rule_kind: RuleKindName | None
    track_id: int | None = Field(description="the tracked object (per camera); null for counts")
    direction: DirectionName | None = Field(description="line crossings: a_to_b is 'in'")
    counts: CountsView | None = Field(description="line crossings: in and out so far")
    peak_count: int | None = Field(description="count rules: the most objects in the zone")
    # Three numbers per point, written as a list rather than a tuple: typed clients (the web
    # client's openapi-fetch) read JSON tuples back as plain arrays anyway.
    path: list[list[int | float]] = Field(
        description="the track's path, oldest first: [t_ms, x, y] (three numbers), x and y 0..1"
        " of the picture (draw it over the snapshot); [] for motion"
    )
    has_thumbnail: bool = Field(
        description="the object cropped from the snapshot is at /events/{id}/thumbnail.jpg"
    )

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
            rule=event.rule,
            rule_kind=cast("RuleKindName | None", event.rule_kind),  # pydantic checks it
            track_id=event.track_id,
            direction=cast("DirectionName | None", event.direction),
            counts=None
            if event.counts is None
            else CountsView.model_validate({"in": event.counts[0], "out": event.counts[1]}),
            peak_count=event.peak_count,
            path=[list(point) for point in event.path],
            has_thumbnail=event.has_thumbnail,
        )


class EventPageView(ApiModel):
    """Events newest first; pass `next_cursor` back as `cursor` for the older ones."""

    events: list[EventView]
    next_cursor: str | None
