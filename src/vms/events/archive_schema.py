"""The events archive's schema: one row per event, the same columns in Parquet, CSV and JSONL.

The columns are declared once here, as data: the Parquet schema (`archive_sinks`), the text
formats and the guide's table (`docs/guide/events-archive.md`) all follow this list. A row is a
plain dict keyed by column name, times in unix milliseconds UTC; each format writes them its
own way (Parquet: `timestamp[ms, UTC]`; CSV and JSONL: ISO-8601 with milliseconds and `Z`).

A change of a column's meaning or type is a new `SCHEMA` version; a new column at the end is not
(readers by name keep working). Every file says its version in its key-value metadata.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from vms.core.bus import PathPoint
from vms.events.models import EventRecord

SCHEMA = "vms.events.archive/1"
METADATA_KEY = "vms.archive"  # the key of the file's JSON metadata (schema, day, zone, range)
API_EVENTS = "/api/v1/events"  # pictures are referred to by their API path, not copied
ZONE_SEPARATOR = "|"  # CSV only: zones joined; "|" and "\" inside a name escaped with "\"

Kind = Literal["string", "int", "float", "timestamp", "strings"]
ArchiveRow = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its name, type, whether it may be null, and what it holds."""

    name: str
    kind: Kind
    nullable: bool
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("id", "string", False, "the event's id (as in the API)"),
    Column("camera_id", "string", False, "the camera it happened on"),
    Column("label", "string", False, "'motion', or the object: 'person', 'car'..."),
    Column("rule", "string", True, "the rule that made it; null for motion"),
    Column("rule_kind", "string", True, "zone, count, line or loiter; null for motion"),
    Column("track_id", "int", True, "the tracked object (per camera); null for motion and counts"),
    Column("zones", "strings", False, "the zones it touched, sorted; empty when none"),
    Column("start", "timestamp", False, "when it began (UTC, milliseconds)"),
    Column("end", "timestamp", True, "when it ended; null if it was still open when written"),
    Column("duration_ms", "int", True, "end − start; null while open"),
    Column("score", "float", False, "motion: peak share of the area moving; rules: detection"),
    Column("direction", "string", True, "line crossings: a_to_b ('in') or b_to_a ('out')"),
    Column("count_in", "int", True, "line rules: crossings A→B so far"),
    Column("count_out", "int", True, "line rules: crossings B→A so far"),
    Column("peak_count", "int", True, "count rules: the most objects in the zone at once"),
    Column("path_points", "int", False, "points of the stored path (its newest 128); 0: none"),
    Column("path_first_at", "timestamp", True, "time of the path's first point"),
    Column("path_first_x", "float", True, "its foot point, 0..1 of the picture's width"),
    Column("path_first_y", "float", True, "its foot point, 0..1 of the picture's height"),
    Column("path_last_at", "timestamp", True, "time of the path's last point"),
    Column("path_last_x", "float", True, "its foot point, 0..1 of the picture's width"),
    Column("path_last_y", "float", True, "its foot point, 0..1 of the picture's height"),
    Column("path_min_x", "float", True, "bounding box of the path: left"),
    Column("path_min_y", "float", True, "bounding box of the path: top"),
    Column("path_max_x", "float", True, "bounding box of the path: right"),
    Column("path_max_y", "float", True, "bounding box of the path: bottom"),
    Column("snapshot_url", "string", True, "API path of its JPEG, if it has one"),
    Column("thumbnail_url", "string", True, "API path of the object cropped from it, if any"),
)
NAMES = tuple(column.name for column in COLUMNS)
TIMESTAMPS = frozenset(column.name for column in COLUMNS if column.kind == "timestamp")


def archive_row(event: EventRecord) -> ArchiveRow:
    """The archive's row of `event` (columns in `COLUMNS` order)."""
    duration = None if event.end_ms is None else event.end_ms - event.start_ms
    counts = event.counts
    return {
        "id": event.id,
        "camera_id": str(event.camera_id),
        "label": event.label,
        "rule": event.rule,
        "rule_kind": event.rule_kind,
        "track_id": event.track_id,
        "zones": sorted(event.zones),
        "start": event.start_ms,
        "end": event.end_ms,
        "duration_ms": duration,
        "score": event.score,
        "direction": event.direction,
        "count_in": None if counts is None else counts[0],
        "count_out": None if counts is None else counts[1],
        "peak_count": event.peak_count,
        **path_summary(event.path),
        "snapshot_url": f"{API_EVENTS}/{event.id}/snapshot.jpg" if event.has_snapshot else None,
        "thumbnail_url": f"{API_EVENTS}/{event.id}/thumbnail.jpg" if event.has_thumbnail else None,
    }


def path_summary(path: Sequence[PathPoint]) -> dict[str, Any]:
    """The path's columns: its first and last points and its bounding box (nulls without one)."""
    if not path:
        empty: dict[str, Any] = dict.fromkeys(_PATH_COLUMNS)
        return {**empty, "path_points": 0}
    xs = [point[1] for point in path]
    ys = [point[2] for point in path]
    first, last = path[0], path[-1]
    return {
        "path_points": len(path),
        "path_first_at": int(first[0]),
        "path_first_x": float(first[1]),
        "path_first_y": float(first[2]),
        "path_last_at": int(last[0]),
        "path_last_x": float(last[1]),
        "path_last_y": float(last[2]),
        "path_min_x": float(min(xs)),
        "path_min_y": float(min(ys)),
        "path_max_x": float(max(xs)),
        "path_max_y": float(max(ys)),
    }


_PATH_COLUMNS = tuple(name for name in NAMES if name.startswith("path_") and name != "path_points")


def iso_ms(ms: int) -> str:
    """Unix milliseconds as ISO-8601 UTC with milliseconds: `2024-03-31T10:00:00.123Z`."""
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def join_zones(zones: Sequence[str]) -> str:
    """The CSV cell of a list of zones: names joined by `|`, a `|` or `\\` in a name escaped."""
    return ZONE_SEPARATOR.join(
        zone.replace("\\", "\\\\").replace(ZONE_SEPARATOR, "\\" + ZONE_SEPARATOR) for zone in zones
    )


def split_zones(cell: str) -> list[str]:
    """The zones of a CSV cell written by `join_zones` (for readers and tests)."""
    zones: list[str] = []
    if not cell:
        return zones
    current: list[str] = []
    escaped = False
    for char in cell:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ZONE_SEPARATOR:
            zones.append("".join(current))
            current = []
        else:
            current.append(char)
    zones.append("".join(current))
    return zones
