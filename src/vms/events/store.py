"""The event store: writes what analytics reports, and answers searches, newest first.

One row per event in `events`, its zones in `event_zones` (so a search by zone is an indexed
join, on SQLite and PostgreSQL alike) and its picture in `event_snapshots`. Pages are cut with
a keyset cursor (start time, id), so paging stays correct while new events arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, and_, case, delete, exists, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

from vms.core.bus import EventReported
from vms.core.clock import Clock
from vms.core.errors import InvalidInputError
from vms.core.ids import CameraId
from vms.db.tables import EventSnapshotTable, EventTable, EventZoneTable
from vms.events.models import MAX_PAGE, EventPage, EventQuery, EventRecord

_E = EventTable
_Z = EventZoneTable
_S = EventSnapshotTable


class EventStore:
    """Events in the database; safe to call from any thread."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def record(self, report: EventReported) -> EventRecord:
        """Store the event's new state (and picture, when the report carries one); returns the
        event as stored."""
        values = {
            "camera_id": report.camera_id,
            "label": report.label,
            "score": report.score,
            "start_ms": report.start_ms,
            "end_ms": report.end_ms,
            "updated_ms": self._clock.now_ms(),
        }
        with self._engine.begin() as conn:
            _upsert(conn, _E, _E.id, report.event_id, values)
            conn.execute(delete(_Z).where(_Z.event_id == report.event_id))
            if report.zones:
                rows = [{"event_id": report.event_id, "zone": zone} for zone in report.zones]
                conn.execute(insert(_Z), rows)
            if report.snapshot_jpeg is not None:
                taken_ms = report.snapshot_ms if report.snapshot_ms is not None else report.start_ms
                picture = {"jpeg": report.snapshot_jpeg, "taken_ms": taken_ms}
                _upsert(conn, _S, _S.event_id, report.event_id, picture)
                has_snapshot = True
            else:
                found = conn.execute(select(exists().where(_S.event_id == report.event_id)))
                has_snapshot = bool(found.scalar())
        return EventRecord(
            id=report.event_id,
            camera_id=report.camera_id,
            label=report.label,
            zones=tuple(sorted(report.zones)),
            score=report.score,
            start_ms=report.start_ms,
            end_ms=report.end_ms,
            has_snapshot=has_snapshot,
        )

    def get(self, event_id: str) -> EventRecord | None:
        with self._engine.connect() as conn:
            found = _records(conn, select(*_COLUMNS).where(_E.id == event_id))
        return found[0] if found else None

    def snapshot(self, event_id: str) -> bytes | None:
        """The event's JPEG, or None when it has none (or does not exist)."""
        with self._engine.connect() as conn:
            jpeg = conn.execute(select(_S.jpeg).where(_S.event_id == event_id)).scalar()
        return bytes(jpeg) if jpeg is not None else None

    def search(self, query: EventQuery) -> EventPage:
        """A page of events that match `query`, newest first (or oldest first, as asked);
        InvalidInputError for a bad cursor or limit."""
        if not 1 <= query.limit <= MAX_PAGE:
            raise InvalidInputError(f"limit must be 1 to {MAX_PAGE}")
        statement = select(*_COLUMNS).where(*_conditions(query))
        if query.cursor is not None:
            start_ms, event_id = _parse_cursor(query.cursor)
            if query.oldest_first:
                after = or_(_E.start_ms > start_ms, and_(_E.start_ms == start_ms, _E.id > event_id))
            else:
                after = or_(_E.start_ms < start_ms, and_(_E.start_ms == start_ms, _E.id < event_id))
            statement = statement.where(after)
        if query.oldest_first:
            statement = statement.order_by(_E.start_ms, _E.id)
        else:
            statement = statement.order_by(_E.start_ms.desc(), _E.id.desc())
        statement = statement.limit(query.limit + 1)
        with self._engine.connect() as conn:
            found = _records(conn, statement)
        more = len(found) > query.limit
        events = found[: query.limit]
        cursor = f"{events[-1].start_ms}.{events[-1].id}" if more else None
        return EventPage(events, cursor)

    def labels(self) -> list[str]:
        """Every label that occurs, sorted."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(_E.label).distinct().order_by(_E.label)).scalars()
            return list(rows)

    def close_dangling(self) -> int:
        """End the events a previous run left open (it stopped or crashed during them) at their
        last update; returns how many."""
        with self._engine.begin() as conn:
            last_seen = case((_E.updated_ms > _E.start_ms, _E.updated_ms), else_=_E.start_ms)
            result = conn.execute(update(_E).where(_E.end_ms.is_(None)).values(end_ms=last_seen))
            return int(result.rowcount)

    def purge(self, older_than_ms: int) -> int:
        """Delete the events that ended before `older_than_ms` (snapshots and zones with them)."""
        with self._engine.begin() as conn:
            old = select(_E.id).where(_E.end_ms < older_than_ms)
            conn.execute(delete(_S).where(_S.event_id.in_(old)))
            conn.execute(delete(_Z).where(_Z.event_id.in_(old)))
            return int(conn.execute(delete(_E).where(_E.end_ms < older_than_ms)).rowcount)


_COLUMNS = (
    _E.id,
    _E.camera_id,
    _E.label,
    _E.score,
    _E.start_ms,
    _E.end_ms,
    exists().where(_S.event_id == _E.id).label("has_snapshot"),
)


def _conditions(query: EventQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.cameras:
        conditions.append(_E.camera_id.in_(query.cameras))
    if query.labels:
        conditions.append(_E.label.in_(query.labels))
    if query.zones:
        conditions.append(exists().where(_Z.event_id == _E.id, _Z.zone.in_(query.zones)))
    if query.start_ms is not None:
        conditions.append(_E.start_ms >= query.start_ms)
    if query.end_ms is not None:
        conditions.append(_E.start_ms < query.end_ms)
    if query.min_score is not None:
        conditions.append(_E.score >= query.min_score)
    return conditions


def _records(conn: Connection, statement: Any) -> list[EventRecord]:
    rows = conn.execute(statement).all()
    zones = _zones_of(conn, [row.id for row in rows])
    return [
        EventRecord(
            id=row.id,
            camera_id=CameraId(row.camera_id),
            label=row.label,
            zones=tuple(zones.get(row.id, ())),
            score=float(row.score),
            start_ms=int(row.start_ms),
            end_ms=None if row.end_ms is None else int(row.end_ms),
            has_snapshot=bool(row.has_snapshot),
        )
        for row in rows
    ]


def _zones_of(conn: Connection, event_ids: Sequence[str]) -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    if event_ids:
        rows = conn.execute(
            select(_Z.event_id, _Z.zone)
            .where(_Z.event_id.in_(event_ids))
            .order_by(_Z.event_id, _Z.zone)
        )
        for event_id, zone in rows:
            zones.setdefault(event_id, []).append(zone)
    return zones


def _upsert(
    conn: Connection,
    table: type[EventTable | EventSnapshotTable],
    key: InstrumentedAttribute[str],
    key_value: str,
    values: dict[str, Any],
) -> None:
    """Update the row whose `key` is `key_value`, or insert it (portable: SQLite and
    PostgreSQL)."""
    changed = conn.execute(update(table).where(key == key_value).values(values))
    if changed.rowcount == 0:
        conn.execute(insert(table).values({key.key: key_value, **values}))


def _parse_cursor(cursor: str) -> tuple[int, str]:
    start, _, event_id = cursor.partition(".")
    if not (start.isdigit() and event_id):
        raise InvalidInputError(f"{cursor!r} is not a cursor this server gave out")
    return int(start), event_id
