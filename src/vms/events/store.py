"""The event store: writes what analytics reports, and answers searches, newest first.

One row per event in `events`, its zones in `event_zones` (so a search by zone is an indexed
join, on SQLite and PostgreSQL alike) and its picture in `event_snapshots` (with the object
cropped from it, for events from rules). What a rule adds (rule, track, direction, counts, path)
are nullable columns of `events`, so motion rows stay as they were. Pages are cut with a keyset
cursor (start time, id), so paging stays correct while new events arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, and_, case, delete, exists, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

from vms.core.bus import EventReported, PathPoint, RuleFacts
from vms.core.clock import Clock
from vms.core.errors import InvalidInputError
from vms.core.ids import CameraId
from vms.db.event_tables import EventSnapshotTable, EventTable, EventZoneTable
from vms.events.models import MAX_PAGE, EventPage, EventQuery, EventRecord
from vms.events.open_state import OpenState, open_state
from vms.events.outbox import Outbox
from vms.events.stats_rollup import StatsRollup

_E = EventTable
_Z = EventZoneTable
_S = EventSnapshotTable
MAX_PATH_POINTS = 128  # a path is for drawing over the snapshot; its newest points suffice


class EventStore:
    """Events in the database; safe to call from any thread."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        outbox: Outbox | None = None,
        rollup: StatsRollup | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._outbox = outbox
        self._rollup = rollup or StatsRollup()

    @property
    def engine(self) -> Engine:
        """The database the events are in (the statistics read the same one)."""
        return self._engine

    def record(self, report: EventReported) -> EventRecord:
        """Store the event's new state (and picture, when the report carries one), and in the
        same transaction the outbox's messages for the targets that want this change; returns
        the event as stored."""
        now_ms = self._clock.now_ms()
        values = {
            "camera_id": report.camera_id,
            "label": report.label,
            "score": report.score,
            "start_ms": report.start_ms,
            "end_ms": report.end_ms,
            "updated_ms": now_ms,
            **_rule_values(report.rule),
        }
        with self._engine.begin() as conn:
            closes = report.phase == "closed" and _still_open(conn, report.event_id)
            _upsert(conn, _E, _E.id, report.event_id, values)
            conn.execute(delete(_Z).where(_Z.event_id == report.event_id))
            if report.zones:
                rows = [{"event_id": report.event_id, "zone": zone} for zone in report.zones]
                conn.execute(insert(_Z), rows)
            if report.snapshot_jpeg is not None:
                taken_ms = report.snapshot_ms if report.snapshot_ms is not None else report.start_ms
                picture = {
                    "jpeg": report.snapshot_jpeg,
                    "taken_ms": taken_ms,
                    "thumbnail": report.thumbnail_jpeg,  # the crop goes with its picture
                }
                _upsert(conn, _S, _S.event_id, report.event_id, picture)
                has_snapshot, has_thumbnail = True, report.thumbnail_jpeg is not None
            else:
                found = conn.execute(
                    select(_S.thumbnail.isnot(None)).where(_S.event_id == report.event_id)
                ).first()
                has_snapshot = found is not None
                has_thumbnail = found is not None and bool(found[0])
            record = EventRecord(
                id=report.event_id,
                camera_id=report.camera_id,
                label=report.label,
                zones=tuple(sorted(report.zones)),
                score=report.score,
                start_ms=report.start_ms,
                end_ms=report.end_ms,
                has_snapshot=has_snapshot,
                has_thumbnail=has_thumbnail,
                **_record_fields(report.rule),
            )
            if closes:
                self._rollup.count_closed(conn, record)
            if self._outbox is not None:
                self._outbox.enqueue(conn, record, report.phase, now_ms)
        return record

    def get(self, event_id: str) -> EventRecord | None:
        with self._engine.connect() as conn:
            found = _records(conn, select(*_COLUMNS).where(_E.id == event_id))
        return found[0] if found else None

    def snapshot(self, event_id: str) -> bytes | None:
        """The event's JPEG, or None when it has none (or does not exist)."""
        with self._engine.connect() as conn:
            jpeg = conn.execute(select(_S.jpeg).where(_S.event_id == event_id)).scalar()
        return bytes(jpeg) if jpeg is not None else None

    def open_state(
        self, cameras: Sequence[CameraId], labels: Sequence[str]
    ) -> dict[CameraId, OpenState]:
        """Each camera's state now from its open events: motion, and objects of `labels` per
        camera and zone (`events/open_state.py`)."""
        with self._engine.connect() as conn:
            return open_state(conn, cameras, labels, self._clock.now_ms())

    def thumbnail(self, event_id: str) -> bytes | None:
        """The object cropped from the event's picture, or None when it has none."""
        with self._engine.connect() as conn:
            jpeg = conn.execute(select(_S.thumbnail).where(_S.event_id == event_id)).scalar()
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
            left_open = [row[0] for row in conn.execute(select(_E.id).where(_E.end_ms.is_(None)))]
            if not left_open:
                return 0
            last_seen = case((_E.updated_ms > _E.start_ms, _E.updated_ms), else_=_E.start_ms)
            conn.execute(update(_E).where(_E.id.in_(left_open)).values(end_ms=last_seen))
            now_ms = self._clock.now_ms()
            for record in _records(conn, select(*_COLUMNS).where(_E.id.in_(left_open))):
                self._rollup.count_closed(conn, record)
                if self._outbox is not None:  # receivers saw them open: they hear them close
                    self._outbox.enqueue(conn, record, "closed", now_ms)
            return len(left_open)

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
    exists().where(_S.event_id == _E.id, _S.thumbnail.isnot(None)).label("has_thumbnail"),
    _E.rule,
    _E.facts,
)


def _conditions(query: EventQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.cameras:
        conditions.append(_E.camera_id.in_(query.cameras))
    if query.labels:
        conditions.append(_E.label.in_(query.labels))
    if query.zones:
        conditions.append(exists().where(_Z.event_id == _E.id, _Z.zone.in_(query.zones)))
    if query.rules:
        conditions.append(_E.rule.in_(query.rules))
    if query.tracks:  # not indexed: a track is searched with its camera and a time range
        conditions.append(_E.facts["track_id"].as_integer().in_(query.tracks))
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
            has_thumbnail=bool(row.has_thumbnail),
            **_record_fields(_facts_of(row.rule, row.facts)),
        )
        for row in rows
    ]


def _rule_values(facts: RuleFacts | None) -> dict[str, Any]:
    """The `events` columns of a rule's facts: its name (searched, indexed) and the rest as one
    JSON document (shown; only its track id is searched, unindexed); both NULL for motion."""
    if facts is None:
        return {"rule": None, "facts": None}
    document = {
        "kind": facts.kind,
        "track_id": facts.track_id,
        "direction": facts.direction,
        "count_in": facts.count_in,
        "count_out": facts.count_out,
        "peak_count": facts.peak_count,
        "path": [list(point) for point in _bounded(facts.path)],
    }
    return {"rule": facts.rule, "facts": document}


def _facts_of(rule: str | None, document: dict[str, Any] | None) -> RuleFacts | None:
    if rule is None or document is None:
        return None
    return RuleFacts(
        rule=rule,
        kind=str(document["kind"]),
        track_id=document.get("track_id"),
        direction=document.get("direction"),
        count_in=document.get("count_in"),
        count_out=document.get("count_out"),
        peak_count=document.get("peak_count"),
        path=tuple((int(t), float(x), float(y)) for t, x, y in document.get("path") or ()),
    )


def _record_fields(facts: RuleFacts | None) -> dict[str, Any]:
    """`EventRecord`'s fields from a rule's facts (none for motion: the defaults stand)."""
    if facts is None:
        return {}
    return {
        "rule": facts.rule,
        "rule_kind": facts.kind,
        "track_id": facts.track_id,
        "direction": facts.direction,
        "counts": _counts(facts.count_in, facts.count_out),
        "peak_count": facts.peak_count,
        "path": _bounded(facts.path),
    }


def _bounded(path: Sequence[PathPoint]) -> tuple[PathPoint, ...]:
    return tuple(path[-MAX_PATH_POINTS:])


def _counts(count_in: int | None, count_out: int | None) -> tuple[int, int] | None:
    return None if count_in is None or count_out is None else (count_in, count_out)


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


def _still_open(conn: Connection, event_id: str) -> bool:
    """Whether the event is new or stored without an end (a repeated close counts once)."""
    end = conn.execute(select(_E.end_ms).where(_E.id == event_id)).first()
    return end is None or end[0] is None


def _parse_cursor(cursor: str) -> tuple[int, str]:
    start, _, event_id = cursor.partition(".")
    if not (start.isdigit() and event_id):
        raise InvalidInputError(f"{cursor!r} is not a cursor this server gave out")
    return int(start), event_id
