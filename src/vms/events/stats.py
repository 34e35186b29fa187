"""Event statistics: counts per hour or day by label, camera, rule and zone, line crossings in
and out, and occupancy peaks, read from the rollups (`vms.events.stats_rollup`).

Each event is counted once, when it closes, in the hour and the site's day it began: one row
for the event (zone '') and one per zone it touched, with its line crossing (a line rule's event
is one crossing, `a_to_b` is "in") and its count rule's peak. So a year of statistics reads a few
rows per day instead of every event, and the numbers are those of finished events (an open
event counts when it ends). Days are cut in the asked time zone: from the daily rows where it is
the site's, from the UTC hours otherwise and at the ends of a range, which is rounded out to
whole hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Subquery, func, select, union_all
from sqlalchemy.engine import Connection

from vms.core.errors import InvalidInputError
from vms.core.ids import CameraId
from vms.db.event_tables import EventStatsDailyTable, EventStatsTable
from vms.events.stats_rollup import HOUR_MS, DailyRollup, DayCutter

_H = EventStatsTable
_D = EventStatsDailyTable
MAX_RANGE_MS = 3 * 366 * 86_400_000  # three years: a statistics request is never a scan
Bucket = Literal["hour", "day"]


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
    """Reads the rollups; safe from any thread, blocking. `timezone` is the site's: the zone
    the daily rollup is cut in, used for the whole days of a request asked in that zone."""

    def __init__(self, engine: Engine, timezone: str = "UTC") -> None:
        self._engine = engine
        self._timezone = timezone
        self._daily = DailyRollup(engine, timezone)
        self._daily_ready = False  # until `prepare`: hours only

    def prepare(self) -> None:
        """Cut the daily rollup in the site's zone if it is not (`DailyRollup.ensure`), and read
        it from now on. Blocking; run before events close."""
        self._daily.ensure()
        self._daily_ready = True

    def query(self, query: StatsQuery) -> EventStats:
        """The statistics of `query`; InvalidInputError for an empty or too long range or an
        unknown time zone."""
        _check(query)
        plan = _Plan(query, daily=self._daily_ready and query.timezone == self._timezone)
        with self._engine.connect() as conn:
            by_label_series = _grouped_points(conn, plan)
            groups = _groups(conn, plan)
            by_zone = _zone_totals(conn, plan)
            peaks = _peaks(conn, plan)
        series = _summed(by_label_series)
        return EventStats(
            query=query,
            total=sum(point.value for point in series),
            series=series,
            by_label=_ranked((s.key, sum(p.value for p in s.points)) for s in by_label_series),
            by_camera=_ranked((g.camera_id, g.events) for g in groups),
            by_rule=[t for t in _ranked((g.rule, g.events) for g in groups) if t.key],
            by_zone=by_zone,
            series_by_label=by_label_series,
            rules=_rule_totals(groups, peaks, plan.days),
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


class _Plan:
    """Where a request's rows come from: the whole local days inside its range from the daily
    rollup (when asked in the site's zone), the hours at either end from the hourly one; hourly
    series read hours only."""

    def __init__(self, query: StatsQuery, *, daily: bool) -> None:
        self.query = query
        cutter = DayCutter(query.timezone)
        self.days = cutter if query.bucket == "day" else None
        first_hour = query.start_ms - query.start_ms % HOUR_MS
        self.all_hours = [(first_hour, query.end_ms)]
        self.hours, self.whole_days = self.all_hours, (0, 0)
        if daily:
            end = query.end_ms + (-query.end_ms % HOUR_MS)  # the end of the range's last hour
            first_day, last_day = cutter.day_start(first_hour), cutter.day_start(end)
            if first_day < first_hour:
                first_day = cutter.next_day(first_day)
            if first_day < last_day:
                self.whole_days = (first_day, last_day)
                self.hours = [(first_hour, first_day), (last_day, end)]

    def source(self, *, zone_rows: bool, hours_only: bool = False) -> Subquery:
        """The rows of the range and filters, as (bucket_ms, camera_id, label, rule, zone,
        events, crossings_in, crossings_out, peak); the event rows (zone '') unless zones are
        asked for or `zone_rows` (the per-zone totals) is set."""
        parts = []
        for low, high in self.all_hours if hours_only else self.hours:
            if low < high:
                where = [_H.hour_ms >= low, _H.hour_ms < high, *self._filters(_H, zone_rows)]
                parts.append(select(_H.hour_ms.label("bucket_ms"), *_columns(_H)).where(*where))
        low, high = (0, 0) if hours_only else self.whole_days
        if low < high:
            where = [_D.day_ms >= low, _D.day_ms < high, *self._filters(_D, zone_rows)]
            parts.append(select(_D.day_ms.label("bucket_ms"), *_columns(_D)).where(*where))
        return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()

    def _filters(self, table: Any, zone_rows: bool) -> list[Any]:
        query = self.query
        conditions: list[Any] = []
        if query.cameras:
            conditions.append(table.camera_id.in_(query.cameras))
        if query.labels:
            conditions.append(table.label.in_(query.labels))
        if query.rules:
            conditions.append(table.rule.in_(query.rules))
        if query.zones:
            conditions.append(table.zone.in_(query.zones))
        else:
            conditions.append(table.zone != "" if zone_rows else table.zone == "")
        return conditions

    def series_source(self) -> Subquery:
        return self.source(zone_rows=False, hours_only=self.days is None)


def _columns(table: Any) -> list[Any]:
    names = ("camera_id", "label", "rule", "zone", "events", "crossings_in", "crossings_out")
    return [*(getattr(table, name) for name in names), table.peak]


def _grouped_points(conn: Connection, plan: _Plan) -> list[Series]:
    src = plan.series_source()
    statement = (
        select(src.c.label, src.c.bucket_ms, func.sum(src.c.events))
        .group_by(src.c.label, src.c.bucket_ms)
        .order_by(src.c.label, src.c.bucket_ms)
    )
    buckets: dict[str, list[tuple[int, int]]] = {}
    for key, bucket, count in conn.execute(statement):
        buckets.setdefault(str(key), []).append((int(bucket), int(count)))
    return [Series(key, _bucketed(rows, plan.days, sum)) for key, rows in buckets.items()]


@dataclass(frozen=True, slots=True)
class _Group:
    """The range's event rows summed per camera, label and rule."""

    camera_id: str
    label: str
    rule: str
    events: int
    crossings_in: int
    crossings_out: int
    peak: int


def _groups(conn: Connection, plan: _Plan) -> list[_Group]:
    """One read for the totals per camera and rule and the rules' crossings and peaks."""
    c = plan.source(zone_rows=False).c
    statement = select(
        c.camera_id,
        c.label,
        c.rule,
        func.sum(c.events),
        func.sum(c.crossings_in),
        func.sum(c.crossings_out),
        func.max(c.peak),
    ).group_by(c.camera_id, c.label, c.rule)
    return [_Group(*row[:3], *(int(n) for n in row[3:])) for row in conn.execute(statement)]


def _zone_totals(conn: Connection, plan: _Plan) -> list[Total]:
    c = plan.source(zone_rows=True).c
    statement = select(c.zone, func.sum(c.events)).where(c.zone != "").group_by(c.zone)
    return _ranked((str(zone), int(count)) for zone, count in conn.execute(statement))


def _peaks(conn: Connection, plan: _Plan) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """Each count rule's most objects at once per bucket, by camera and rule."""
    c = plan.series_source().c
    statement = (
        select(c.camera_id, c.rule, c.bucket_ms, func.max(c.peak))
        .where(c.rule != "", c.peak > 0)
        .group_by(c.camera_id, c.rule, c.bucket_ms)
        .order_by(c.camera_id, c.rule, c.bucket_ms)
    )
    found: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for camera, rule, bucket, peak in conn.execute(statement):
        found.setdefault((camera, rule), []).append((int(bucket), int(peak)))
    return found


def _ranked(counts: Iterable[tuple[str, int]]) -> list[Total]:
    """Counts summed per key, the busiest first, then by name."""
    summed: dict[str, int] = {}
    for key, count in counts:
        summed[key] = summed.get(key, 0) + count
    return [Total(key, n) for key, n in sorted(summed.items(), key=lambda kc: (-kc[1], kc[0]))]


def _summed(series: Sequence[Series]) -> list[Point]:
    """The series of all labels together."""
    buckets: dict[int, int] = {}
    for one in series:
        for point in one.points:
            buckets[point.start_ms] = buckets.get(point.start_ms, 0) + point.value
    return [Point(start, value) for start, value in sorted(buckets.items())]


def _rule_totals(
    groups: Sequence[_Group],
    peaks: dict[tuple[str, str], list[tuple[int, int]]],
    days: DayCutter | None,
) -> list[RuleTotals]:
    """Line crossings and count peaks per camera and rule (rules with either), with each count
    rule's peaks."""
    totals: dict[tuple[str, str], list[int]] = {}
    for g in groups:
        if g.rule and (g.crossings_in or g.crossings_out or g.peak):
            found = totals.setdefault((g.camera_id, g.rule), [0, 0, 0])
            found[0] += g.crossings_in
            found[1] += g.crossings_out
            found[2] = max(found[2], g.peak)
    return [
        RuleTotals(
            camera_id=camera,
            rule=rule,
            crossings_in=crossed_in,
            crossings_out=crossed_out,
            peak=peak,
            peaks=_bucketed(peaks.get((camera, rule), []), days, max),
        )
        for (camera, rule), (crossed_in, crossed_out, peak) in sorted(totals.items())
    ]


def _bucketed(rows: Sequence[tuple[int, int]], days: DayCutter | None, combine: Any) -> list[Point]:
    """Hour (or day) rows folded into the query's buckets: hours as they are; days in its
    zone (a daily row's start is its own day's)."""
    if days is None:
        return [Point(bucket, value) for bucket, value in rows]
    starts = {bucket: days.day_start(bucket) for bucket in {bucket for bucket, _ in rows}}
    by_day: dict[int, list[int]] = {}
    for bucket, value in rows:
        by_day.setdefault(starts[bucket], []).append(value)
    return [Point(day, int(combine(values))) for day, values in sorted(by_day.items())]
