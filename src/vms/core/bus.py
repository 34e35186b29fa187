"""In-process typed message bus: facts leave a room as frozen dataclasses, never dicts.

Handlers run on the publisher's thread and must be quick and must not raise; a handler that raises
is logged and isolated so one faulty subscriber cannot break a publisher (a camera, a recorder).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from vms.core.ids import CameraId, SegmentId, StreamName

log = logging.getLogger(__name__)

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class SegmentClosed:
    """A segment file is complete, fsynced and indexed."""

    segment_id: SegmentId
    camera_id: CameraId
    stream: StreamName
    start_ms: int
    end_ms: int
    size_bytes: int
    path: str


@dataclass(frozen=True, slots=True)
class SourceHealthChanged:
    """A camera stream's connection state changed (connected, reconnecting, failed...)."""

    camera_id: CameraId
    stream: StreamName
    state: str
    error: str | None


@dataclass(frozen=True, slots=True)
class SegmentsDeleted:
    """Retention removed segments from a camera; counted in metrics and logged."""

    camera_id: CameraId
    count: int
    size_bytes: int
    reason: str


EventPhase = Literal["opened", "updated", "closed"]
PathPoint = tuple[int, float, float]  # wall ms, x, y (0..1 of the picture)


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """What an event from a rule adds to a motion-like event: which rule, which track, and for
    line crossings the direction and the running counts. Plain values, so the events room
    needs nothing of analytics."""

    rule: str
    kind: str  # "zone", "count", "line" or "loiter"
    track_id: int | None = None  # count rules follow several tracks: None
    direction: str | None = None  # crossings: "a_to_b" or "b_to_a"
    count_in: int | None = None  # crossings: A→B so far
    count_out: int | None = None
    peak_count: int | None = None  # count rules: the most tracks in the zone at once
    path: tuple[PathPoint, ...] = ()  # the track's recent path, oldest first


@dataclass(frozen=True, slots=True)
class EventReported:
    """Analytics opened, updated or closed an event (the whole state each time).

    `snapshot_jpeg` is a new picture of the event when there is one (taken at `snapshot_ms`);
    None keeps the picture already stored. `thumbnail_jpeg` (a crop of the object) comes with a
    new snapshot when there is an object to crop. `rule` is None for motion events.
    """

    event_id: str
    camera_id: CameraId
    label: str
    phase: EventPhase
    start_ms: int
    end_ms: int | None  # None until closed
    score: float  # 0..1
    zones: tuple[str, ...]
    snapshot_jpeg: bytes | None = None
    snapshot_ms: int | None = None
    thumbnail_jpeg: bytes | None = None
    rule: RuleFacts | None = None


class Bus:
    """Publish/subscribe by message type. Thread-safe; delivery is synchronous."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[type[Any], list[Callable[[Any], None]]] = {}

    def subscribe(self, message_type: type[M], handler: Callable[[M], None]) -> Callable[[], None]:
        """Register a handler; returns a function that removes it."""
        with self._lock:
            self._handlers.setdefault(message_type, []).append(handler)

        def unsubscribe() -> None:
            with self._lock:
                handlers = self._handlers.get(message_type, [])
                if handler in handlers:
                    handlers.remove(handler)

        return unsubscribe

    def publish(self, message: object) -> None:
        with self._lock:
            handlers = list(self._handlers.get(type(message), ()))
        for handler in handlers:
            try:
                handler(message)
            except Exception:
                log.exception("bus handler failed for %s", type(message).__name__)
