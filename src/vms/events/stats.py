"""Event statistics: counts per hour or day by label, camera, rule and zone, line crossings in
and out, and occupancy peaks, read from the `event_stats` rollup.

Each event is counted once, when it closes, in the hour it began (`count_closed`, called in the
transaction that closes it): one row for the event (zone '') and one per zone it touched, with
its line crossing (a line rule's event is one crossing, `a_to_b` is "in") and its count rule's
peak. So a year of statistics reads at most a few rows per hour instead of every event, and the
numbers are those of finished events (an open event counts when it ends). Days are cut in the
asked time zone from the UTC hours, so a range is rounded out to whole hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from vms.core.errors import InvalidInputError
from vms.core.ids import CameraId
from vms.db.event_tables import EventStatsTable
from vms.events.models import EventRecord

_T = EventStatsTable
HOUR_MS = 3_600_000
MAX_RANGE_MS = 3 * 366 * 86_400_000  # three years: a statistics request is never a scan
Bucket = Literal["hour", "day"]


def count_closed(conn: Connection, record: EventRecord) -> None:
    """Add a just-closed event to its hour's rows, in the caller's transaction."""
    hour = record.start_ms - record.start_ms % HOUR_MS
    values = {
        "hour_ms": hour,
        "camera_id": record.camera_id,
        "label": record.label,
        "rule": record.rule or "",
        "events": 1,
        "crossings_in": int(record.direction == "a_to_b"),
        "crossings_out": int(record.direction == "b_to_a"),
        "peak": record.peak_count or 0,
    }
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for zone in ("", *record.zones):
        statement = insert(_T).values(values | {"zone": zone})
        new = statement.excluded
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["hour_ms", "camera_id", "label", "rule", "zone"],
                set_={
                    "events": _T.events + new.events,
                    "crossings_in": _T.crossings_in + new.crossings_in,
                    "crossings_out": _T.crossings_out + new.crossings_out,
                    "peak": case((_T.peak < new.peak, new.peak), else_=_T.peak),
                },
            )
        )


@dataclass(frozen=True, slots=True)
class StatsQuery:
    """Which events: begun in [start_ms, end_ms), matching every filter given."""

    start_ms: int
    end_ms: int
    bucket: Bucket = "hour"
    timezone: str = "UTC"  # where days begin
    cameras: tuple[CameraId, ...] = ()
    labels: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Point:
    start_ms: int  # the bucket's start
    value: int


@dataclass(frozen=True, slots=True)
class Total:
    key: str
    count: int


@dataclass(frozen=True, slots=True)
class Series:
    key: str
    points: list[Point]


@dataclass(frozen=True, slots=True)
class RuleTotals:
    """A rule's crossings (line rules) or peak (count rules) on one camera, with its series."""

    camera_id: str
    rule: str
    crossings_in: int
    crossings_out: int
    peak: int
    peaks: list[Point] = field(default_factory=list)  # the most objects at once, per bucket


@dataclass(frozen=True, slots=True)
class EventStats:
    query: StatsQuery
    total: int
    series: list[Point]
    by_label: list[Total]
    by_camera: list[Total]
    by_rule: list[Total]
    by_zone: list[Total]
    series_by_label: list[Series]
    rules: list[RuleTotals]


class EventStatistics:
    """Reads the rollup; safe from any thread, blocking."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def query(self, query: StatsQuery) -> EventStats:
        """The statistics of `query`; InvalidInputError for an empty or too long range or an
        unknown time zone."""
        _check(query)
        days = _DayCutter(query) if query.bucket == "day" else None
        with self._engine.connect() as conn:
            series = _points(conn, query, days)
            by_label_series = _grouped_points(conn, query, _T.label, days)
            totals = {
                name: _totals(conn, query, column)
                for name, column in (
                    ("label", _T.label),
                    ("camera", _T.camera_id),
                    ("rule", _T.rule),
                    ("zone", _T.zone),
                )
            }
            rules = _rule_totals(conn, query, days)
        return EventStats(
            query=query,
            total=sum(point.value for point in series),
            series=series,
            by_label=totals["label"],
            by_camera=totals["camera"],
            by_rule=[t for t in totals["rule"] if t.key],
            by_zone=[t for t in totals["zone"] if t.key],
            series_by_label=by_label_series,
            rules=rules,
        )


def _check(query: StatsQuery) -> None:
    if query.end_ms <= query.start_ms:
        raise InvalidInputError("the range is empty: end must be after start")
    if query.end_ms - query.start_ms > MAX_RANGE_MS:
        raise InvalidInputError("the range is longer than three years")
    try:
        ZoneInfo(query.timezone)
    except (KeyError, ValueError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise InvalidInputError(f"{query.timezone!r} is not a time zone") from error


def _where(query: StatsQuery, *, zone_rows: bool) -> list[Any]:
    """Rows of the range and filters; the event rows (zone '') unless zones are asked for or
    `zone_rows` (the per-zone totals) is set."""
    first_hour = query.start_ms - query.start_ms % HOUR_MS
    conditions: list[Any] = [_T.hour_ms >= first_hour, _T.hour_ms < query.end_ms]
    if query.cameras:
        conditions.append(_T.camera_id.in_(query.cameras))
    if query.labels:
        conditions.append(_T.label.in_(query.labels))
    if query.rules:
        conditions.append(_T.rule.in_(query.rules))
    if query.zones:
        conditions.append(_T.zone.in_(query.zones))
    elif zone_rows:
        conditions.append(_T.zone != "")
    else:
        conditions.append(_T.zone == "")
    return conditions


def _points(conn: Connection, query: StatsQuery, days: _DayCutter | None) -> list[Point]:
    statement = (
        select(_T.hour_ms, func.sum(_T.events))
        .where(*_where(query, zone_rows=False))
        .group_by(_T.hour_ms)
        .order_by(_T.hour_ms)
    )
    hours = [(int(hour), int(count)) for hour, count in conn.execute(statement)]
    return _bucketed(hours, days, sum)


def _grouped_points(
    conn: Connection, query: StatsQuery, column: Any, days: _DayCutter | None
) -> list[Series]:
    statement = (
        select(column, _T.hour_ms, func.sum(_T.events))
        .where(*_where(query, zone_rows=False))
        .group_by(column, _T.hour_ms)
        .order_by(column, _T.hour_ms)
    )
    hours: dict[str, list[tuple[int, int]]] = {}
    for key, hour, count in conn.execute(statement):
        hours.setdefault(str(key), []).append((int(hour), int(count)))
    return [Series(key, _bucketed(rows, days, sum)) for key, rows in hours.items()]


def _totals(conn: Connection, query: StatsQuery, column: Any) -> list[Total]:
    statement = (
        select(column, func.sum(_T.events))
        .where(*_where(query, zone_rows=column is _T.zone))
        .group_by(column)
        .order_by(func.sum(_T.events).desc(), column)
    )
    return [Total(str(key), int(count)) for key, count in conn.execute(statement)]


def _rule_totals(conn: Connection, query: StatsQuery, days: _DayCutter | None) -> list[RuleTotals]:
    """Line crossings and count peaks per camera and rule, with each count rule's peaks."""
    where = [*_where(query, zone_rows=False), _T.rule != ""]
    active = (_T.crossings_in > 0) | (_T.crossings_out > 0) | (_T.peak > 0)
    statement = (
        select(_T.camera_id, _T.rule, _T.hour_ms, _T.crossings_in, _T.crossings_out, _T.peak)
        .where(*where, active)
        .order_by(_T.camera_id, _T.rule, _T.hour_ms)
    )
    found: dict[tuple[str, str], list[tuple[int, int, int, int]]] = {}
    for camera, rule, hour, crossed_in, crossed_out, peak in conn.execute(statement):
        found.setdefault((camera, rule), []).append((int(hour), crossed_in, crossed_out, peak))
    out = []
    for (camera, rule), rows in found.items():
        peaks = [(hour, int(peak)) for hour, _, _, peak in rows if peak]
        out.append(
            RuleTotals(
                camera_id=camera,
                rule=rule,
                crossings_in=sum(int(row[1]) for row in rows),
                crossings_out=sum(int(row[2]) for row in rows),
                peak=max((peak for _, peak in peaks), default=0),
                peaks=_bucketed(peaks, days, max),
            )
        )
    return out


def _bucketed(
    hours: Sequence[tuple[int, int]], days: _DayCutter | None, combine: Any
) -> list[Point]:
    """Hour rows folded into the query's buckets (hours as they are; days in its zone)."""
    if days is None:
        return [Point(hour, value) for hour, value in hours]
    by_day: dict[int, list[int]] = {}
    for hour, value in hours:
        by_day.setdefault(days.day_start(hour), []).append(value)
    return [Point(day, int(combine(values))) for day, values in sorted(by_day.items())]


class _DayCutter:
    """The start of the local day (in the query's zone) an hour belongs to, cached per hour."""

    def __init__(self, query: StatsQuery) -> None:
        self._zone = ZoneInfo(query.timezone)
        self._cache: dict[int, int] = {}

    def day_start(self, hour_ms: int) -> int:
        found = self._cache.get(hour_ms)
        if found is None:
            local = dt.datetime.fromtimestamp(hour_ms / 1000, self._zone)
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            found = int(midnight.timestamp() * 1000)
            self._cache[hour_ms] = found
        return found
