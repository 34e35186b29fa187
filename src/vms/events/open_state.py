"""What is going on at a camera now, from the events still open: motion or not, and how many
objects of each label (per camera, and per zone), for the state topics of the MQTT target.

Objects are counted by track: an object that several rules follow at once (a zone rule and a
loiter rule) counts once. Events without a track (a count rule's, which stands for several) and
motion events count no object. Only events that began within `HORIZON_MS` are read, so the
query walks one day of a camera's index (`ix_events_camera_id_start_ms`), never its whole
history; an event open longer than that (VMS closes what a previous run left open) is not
counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from vms.core.ids import CameraId
from vms.db.event_tables import EventTable, EventZoneTable

_E = EventTable
_Z = EventZoneTable
MOTION_LABEL = "motion"
HORIZON_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class OpenState:
    """One camera now: an open motion event or not, objects per label and per (zone, label)."""

    motion: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    zone_counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, label: str) -> int:
        return self.counts.get(label, 0)

    def zone_count(self, zone: str, label: str) -> int:
        return self.zone_counts.get((zone, label), 0)


def open_state(
    conn: Connection, cameras: Sequence[CameraId], labels: Sequence[str], now_ms: int
) -> dict[CameraId, OpenState]:
    """The state of each of `cameras` (an entry for each, also when nothing is open), counting
    objects of `labels`."""
    rows = conn.execute(
        select(_E.id, _E.camera_id, _E.label, _E.facts).where(
            _E.camera_id.in_(list(cameras)),
            _E.start_ms >= now_ms - HORIZON_MS,
            _E.end_ms.is_(None),
            _E.label.in_([MOTION_LABEL, *labels]),
        )
    ).all()
    tracked = [
        (row, track)
        for row in rows
        if row.label != MOTION_LABEL and (track := _track(row.facts)) is not None
    ]
    zones: dict[str, list[str]] = {}
    if tracked:
        found = conn.execute(
            select(_Z.event_id, _Z.zone).where(_Z.event_id.in_([row.id for row, _ in tracked]))
        )
        for event_id, zone in found:
            zones.setdefault(event_id, []).append(zone)
    motion = {CameraId(row.camera_id) for row in rows if row.label == MOTION_LABEL}
    objects: dict[CameraId, dict[str, set[int]]] = {}
    zone_objects: dict[CameraId, dict[tuple[str, str], set[int]]] = {}
    for row, track in tracked:
        camera = CameraId(row.camera_id)
        objects.setdefault(camera, {}).setdefault(row.label, set()).add(track)
        for zone in zones.get(row.id, ()):
            per_zone = zone_objects.setdefault(camera, {})
            per_zone.setdefault((zone, row.label), set()).add(track)
    return {
        camera: OpenState(
            motion=camera in motion,
            counts={label: len(ids) for label, ids in objects.get(camera, {}).items()},
            zone_counts={key: len(ids) for key, ids in zone_objects.get(camera, {}).items()},
        )
        for camera in cameras
    }


def _track(facts: dict[str, object] | None) -> int | None:
    track = None if facts is None else facts.get("track_id")
    return track if isinstance(track, int) else None
