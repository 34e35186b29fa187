"""Event routes: search, statistics, one event, its snapshot and thumbnail, and the live stream
(SSE)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import NonNegativeInt

from vms.api.doors import CamerasDoor, CamerasRoom, EventsDoor, EventsRoom
from vms.api.problems import problem_responses
from vms.api.routes.playback import parse_bounds, parse_range
from vms.api.schemas.event_stats import EventStatsView
from vms.api.schemas.events import EventPageView, EventView
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId
from vms.events.feed import FeedListener
from vms.events.models import MAX_PAGE, EventPage, EventQuery, EventRecord
from vms.events.stats import StatsQuery

JPEG = "image/jpeg"
EVENT_STREAM = "text/event-stream"
KEEPALIVE_S = 15.0
_TIME = "ISO-8601 with an offset, or unix milliseconds"

Cameras = Annotated[list[str] | None, Query(description="only these cameras (repeatable)")]
Labels = Annotated[list[str] | None, Query(description="only these labels (repeatable)")]
Zones = Annotated[list[str] | None, Query(description="only events in these zones (repeatable)")]
Rules = Annotated[list[str] | None, Query(description="only events of these rules (repeatable)")]
MinScore = Annotated[float | None, Query(ge=0, le=1, description="only events scoring this much")]
Tracks = Annotated[
    list[NonNegativeInt] | None,
    Query(description="only events of these tracker ids (repeatable; a camera's own)"),
]
HAS_CLIP_SCAN = 10 * MAX_PAGE  # events read for one page of `has_clip` at most


def _query(
    *,
    cameras: list[str] | None,
    labels: list[str] | None,
    zones: list[str] | None,
    rules: list[str] | None = None,
    tracks: list[int] | None = None,
    start: str | None = None,
    end: str | None = None,
    min_score: float | None = None,
    limit: int = 50,
    cursor: str | None = None,
    oldest_first: bool = False,
) -> EventQuery:
    start_ms, end_ms = parse_bounds(start, end)
    return EventQuery(
        cameras=tuple(CameraId(c) for c in cameras or ()),
        labels=tuple(labels or ()),
        zones=tuple(zones or ()),
        rules=tuple(rules or ()),
        tracks=tuple(tracks or ()),
        start_ms=start_ms,
        end_ms=end_ms,
        min_score=min_score,
        limit=limit,
        cursor=cursor,
        oldest_first=oldest_first,
    )


router = APIRouter(prefix="/events", tags=["events"])


def _view(events: EventsDoor, event: EventRecord) -> EventView:
    return EventView.of(event, events.clip_range(event.start_ms, event.end_ms))


@router.get(
    "",
    summary="Search events, newest first or oldest first (filters combine; repeated values "
    "mean any of)",
    responses=problem_responses(401, 403, 422),
)
async def search_events(
    *,
    camera: Cameras = None,
    label: Labels = None,
    zone: Zones = None,
    rule: Rules = None,
    track: Tracks = None,
    has_clip: Annotated[
        bool | None,
        Query(
            description="true: only events with recorded video in their clip; false: only "
            "those without (a page may then hold fewer than `limit`: follow next_cursor)"
        ),
    ] = None,
    start: Annotated[str | None, Query(description=f"began at or after: {_TIME}")] = None,
    end: Annotated[str | None, Query(description=f"began before: {_TIME}")] = None,
    min_score: MinScore = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
    order: Annotated[
        Literal["newest", "oldest"], Query(description="newest first (default) or oldest")
    ] = "newest",
    events: EventsRoom,
    cameras: CamerasRoom,
) -> EventPageView:
    query = _query(
        cameras=camera,
        labels=label,
        zones=zone,
        rules=rule,
        tracks=track,
        start=start,
        end=end,
        min_score=min_score,
        limit=limit,
        cursor=cursor,
        oldest_first=order == "oldest",
    )
    if has_clip is None:
        page = await asyncio.to_thread(events.store.search, query)
    else:
        page = await _search_by_clip(events, cameras, query, has_clip)
    return EventPageView(
        events=[_view(events, e) for e in page.events], next_cursor=page.next_cursor
    )


async def _search_by_clip(
    events: EventsDoor, cameras: CamerasDoor, query: EventQuery, wanted: bool
) -> EventPage:
    """The events whose clip window has recorded video (or has none, as `wanted`): recordings
    are another room's, so the store's pages are read and kept or dropped here. Each read asks
    for what the page still lacks, so the cursor never skips an event; at most
    `HAS_CLIP_SCAN` events are read for one page."""
    kept: list[EventRecord] = []
    cursor, scanned = query.cursor, 0
    while True:
        wanted_now = replace(query, cursor=cursor, limit=query.limit - len(kept))
        page = await asyncio.to_thread(events.store.search, wanted_now)
        for event in page.events:
            start_ms, end_ms = events.clip_range(event.start_ms, event.end_ms)
            found = await cameras.list_segments(event.camera_id, start_ms, end_ms, None, 1)
            if bool(found) == wanted:
                kept.append(event)
        cursor, scanned = page.next_cursor, scanned + len(page.events)
        if cursor is None or len(kept) == query.limit or scanned >= HAS_CLIP_SCAN:
            return EventPage(kept, cursor)


@router.get(
    "/stats",
    summary="Counts of closed events per hour or day, by label, camera, rule and zone; line "
    "crossings in and out; count rules' peaks (filters combine; repeated values mean any of)",
    responses=problem_responses(401, 403, 422),
)
async def event_stats(
    *,
    start: Annotated[str, Query(description=f"events begun at or after: {_TIME}")],
    end: Annotated[str, Query(description=f"events begun before: {_TIME}")],
    bucket: Annotated[Literal["hour", "day"], Query(description="hours or days")] = "hour",
    tz: Annotated[str, Query(description="IANA time zone where days begin")] = "UTC",
    camera: Cameras = None,
    label: Labels = None,
    zone: Zones = None,
    rule: Rules = None,
    events: EventsRoom,
) -> EventStatsView:
    start_ms, end_ms = parse_range(start, end)
    query = StatsQuery(
        start_ms=start_ms,
        end_ms=end_ms,
        bucket=bucket,
        timezone=tz,
        cameras=tuple(CameraId(c) for c in camera or ()),
        labels=tuple(label or ()),
        rules=tuple(rule or ()),
        zones=tuple(zone or ()),
    )
    return EventStatsView.of(await asyncio.to_thread(events.statistics.query, query))


@router.get(
    "/labels", summary="Every label events have, sorted", responses=problem_responses(401, 403)
)
async def event_labels(events: EventsRoom) -> list[str]:
    return await asyncio.to_thread(events.store.labels)


@router.get(
    "/stream",
    summary="Events as they open, change and close (server-sent events: opened/updated/closed)",
    response_class=StreamingResponse,
    responses={200: {"content": {EVENT_STREAM: {}}}, **problem_responses(401, 403, 422)},
)
async def event_stream(
    *,
    camera: Cameras = None,
    label: Labels = None,
    zone: Zones = None,
    rule: Rules = None,
    track: Tracks = None,
    min_score: MinScore = None,
    events: EventsRoom,
) -> StreamingResponse:
    query = _query(
        cameras=camera, labels=label, zones=zone, rules=rule, tracks=track, min_score=min_score
    )
    listener = events.feed.listen(query)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        _messages(listener, functools.partial(_view, events)),
        media_type=EVENT_STREAM,
        headers=headers,
    )


@router.get("/{event_id}", summary="One event", responses=problem_responses(401, 403, 404))
async def get_event(event_id: str, events: EventsRoom) -> EventView:
    event = await asyncio.to_thread(events.store.get, event_id)
    if event is None:
        raise NotFoundError(f"event {event_id!r} does not exist")
    return _view(events, event)


@router.get(
    "/{event_id}/snapshot.jpg",
    summary="The event's picture: the frame where it was strongest",
    response_class=Response,
    responses={200: {"content": {JPEG: {}}}, **problem_responses(401, 403, 404)},
)
async def event_snapshot(event_id: str, events: EventsRoom) -> Response:
    jpeg = await asyncio.to_thread(events.store.snapshot, event_id)
    if jpeg is None:
        raise NotFoundError(f"event {event_id!r} has no snapshot")
    # the picture changes while the event grows; it is small, so caching is left out
    return Response(jpeg, media_type=JPEG, headers={"Cache-Control": "no-cache"})


@router.get(
    "/{event_id}/thumbnail.jpg",
    summary="The object the event is about, cropped from its snapshot (events from rules)",
    response_class=Response,
    responses={200: {"content": {JPEG: {}}}, **problem_responses(401, 403, 404)},
)
async def event_thumbnail(event_id: str, events: EventsRoom) -> Response:
    jpeg = await asyncio.to_thread(events.store.thumbnail, event_id)
    if jpeg is None:
        raise NotFoundError(f"event {event_id!r} has no thumbnail")
    # replaced with the snapshot while the event grows
    return Response(jpeg, media_type=JPEG, headers={"Cache-Control": "no-cache"})


async def _messages(
    listener: FeedListener, view: Callable[[EventRecord], EventView]
) -> AsyncIterator[str]:
    """The SSE body: a message per change, a comment line while quiet; ends when cut off."""
    try:
        yield "retry: 3000\n: connected\n\n"
        while True:
            try:
                message = await listener.next(KEEPALIVE_S)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if message is None:
                return
            data = view(message.event).model_dump_json()
            yield f"event: {message.phase}\nid: {message.event.id}\ndata: {data}\n\n"
    finally:
        listener.close()
