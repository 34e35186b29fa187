"""Event values: a stored event, a search and a page of results."""

from __future__ import annotations

from dataclasses import dataclass

from vms.core.bus import PathPoint
from vms.core.ids import CameraId

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event as stored; `end_ms` is None while it goes on."""

    id: str
    camera_id: CameraId
    label: str
    zones: tuple[str, ...]
    score: float
    start_ms: int
    end_ms: int | None
    has_snapshot: bool
    # Events from rules (all None or empty for motion): see `vms.core.bus.RuleFacts`.
    rule: str | None = None
    rule_kind: str | None = None
    track_id: int | None = None
    direction: str | None = None
    counts: tuple[int, int] | None = None  # crossings: (in A→B, out B→A) so far
    peak_count: int | None = None
    path: tuple[PathPoint, ...] = ()  # [t_ms, x, y], x and y 0..1 of the picture
    has_thumbnail: bool = False


@dataclass(frozen=True, slots=True)
class EventQuery:
    """A search: every given filter must hold; the tuples match any of their values."""

    cameras: tuple[CameraId, ...] = ()
    labels: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # names of the rules that made them
    tracks: tuple[int, ...] = ()  # the tracker's ids (a camera's own: pair with cameras)
    start_ms: int | None = None  # events that began at or after
    end_ms: int | None = None  # events that began before
    min_score: float | None = None
    limit: int = 50
    cursor: str | None = None  # from EventPage.next_cursor
    oldest_first: bool = False  # newest first unless set


@dataclass(frozen=True, slots=True)
class EventPage:
    """Events in the query's order; `next_cursor` fetches the next ones, None when there are no
    more."""

    events: list[EventRecord]
    next_cursor: str | None


def matches(event: EventRecord, query: EventQuery) -> bool:
    """Whether `event` belongs in `query`'s results (the cursor aside); the live stream's filter."""
    return (
        (not query.cameras or event.camera_id in query.cameras)
        and (not query.labels or event.label in query.labels)
        and (not query.zones or any(zone in query.zones for zone in event.zones))
        and (not query.rules or event.rule in query.rules)
        and (not query.tracks or event.track_id in query.tracks)
        and (query.start_ms is None or event.start_ms >= query.start_ms)
        and (query.end_ms is None or event.start_ms < query.end_ms)
        and (query.min_score is None or event.score >= query.min_score)
    )
