"""The statistics rollups: closed events counted per UTC hour (`event_stats`) and per day of
the site's time zone (`event_stats_daily`), both kept in the closing transaction.

The hourly rows answer any time zone (days are cut from hours when read); the daily rows make a
year a few hundred rows per series instead of thousands, but only for the zone they were cut in.
So they are cut in the site's zone (`analytics.timezone`), and rebuilt from the hourly rows when
that setting changes (`DailyRollup.ensure`, at start, before any event closes).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    MetaData,
    Table,
    case,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from vms.db.event_tables import EventStatsDailyTable, EventStatsTable
from vms.events.archive_days import SiteDays
from vms.events.models import EventRecord

log = logging.getLogger(__name__)

_H = EventStatsTable
_D = EventStatsDailyTable
HOUR_MS = 3_600_000
_KEY = ("camera_id", "label", "rule", "zone")
_CHUNK = 5000


class DayCutter:
    """The start of the site's day (`SiteDays`, the archive's days too) that an instant's UTC
    hour belongs to, cached per hour: every row of an hourly bucket falls in one day."""

    def __init__(self, timezone: str) -> None:
        self._days = SiteDays(timezone)
        self._cache: dict[int, int] = {}

    def day_start(self, ms: int) -> int:
        hour_ms = ms - ms % HOUR_MS
        found = self._cache.get(hour_ms)
        if found is None:
            found = self._days.day_of(hour_ms).start_ms
            self._cache[hour_ms] = found
        return found

    def next_day(self, day_ms: int) -> int:
        """The start of the day after the one `day_ms` is in (a day is 23 to 25 hours long)."""
        return self._days.day_of(day_ms).end_ms


class StatsRollup:
    """Counts closed events into both rollups; safe from any thread."""

    def __init__(self, timezone: str = "UTC") -> None:
        self.timezone = timezone
        self._days = DayCutter(timezone)

    def count_closed(self, conn: Connection, record: EventRecord) -> None:
        """Add a just-closed event to its hour's and its day's rows, in the caller's
        transaction: one row for the event (zone '') and one per zone it touched."""
        counts = {
            "events": 1,
            "crossings_in": int(record.direction == "a_to_b"),
            "crossings_out": int(record.direction == "b_to_a"),
            "peak": record.peak_count or 0,
        }
        key = {"camera_id": record.camera_id, "label": record.label, "rule": record.rule or ""}
        hour = {"hour_ms": record.start_ms - record.start_ms % HOUR_MS}
        day = {"day_ms": self._days.day_start(record.start_ms), "tz": self.timezone}
        for zone in ("", *record.zones):
            row = key | counts | {"zone": zone}
            _add(conn, _H, "hour_ms", row | hour)
            _add(conn, _D, "day_ms", row | day)


def _add(conn: Connection, table: Any, time_column: str, values: dict[str, Any]) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(values)
    new = statement.excluded
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[time_column, *_KEY],
            set_={
                "events": table.events + new.events,
                "crossings_in": table.crossings_in + new.crossings_in,
                "crossings_out": table.crossings_out + new.crossings_out,
                "peak": case((table.peak < new.peak, new.peak), else_=table.peak),
            },
        )
    )


class DailyRollup:
    """Keeps `event_stats_daily` cut in the site's zone."""

    def __init__(self, engine: Engine, timezone: str) -> None:
        self._engine = engine
        self.timezone = timezone

    def ensure(self) -> bool:
        """Rebuild the daily rows from the hourly ones when they were cut in another zone or
        are missing (the migration that made the table, or a copy restored without them);
        returns whether it rebuilt. Blocking; run before events close."""
        with self._engine.begin() as conn:
            zones = set(conn.execute(select(_D.tz).distinct().limit(2)).scalars())
            hours = conn.execute(select(_H.hour_ms).limit(1)).first() is not None
            if zones == {self.timezone} or (not zones and not hours):
                return False
            log.info("event statistics: cutting days in %s (was %s)", self.timezone, zones or "-")
            conn.execute(delete(_D))
            self._fill(conn)
        return True

    def _fill(self, conn: Connection) -> None:
        """Sum the hourly rows per local day in SQL, through a temporary map of each hour that
        has rows to its day (a few thousand rows a year)."""
        mapping = Table(
            "vms_stats_hour_day",
            MetaData(),
            Column("hour_ms", BigInteger, primary_key=True),
            Column("day_ms", BigInteger, nullable=False),
            prefixes=["TEMPORARY"],
        )
        mapping.create(conn)
        try:
            days = DayCutter(self.timezone)
            hours = [int(h) for h in conn.execute(select(_H.hour_ms).distinct()).scalars()]
            pairs = [{"hour_ms": hour, "day_ms": days.day_start(hour)} for hour in hours]
            for start in range(0, len(pairs), _CHUNK):
                conn.execute(mapping.insert(), pairs[start : start + _CHUNK])
            summed = (
                select(
                    mapping.c.day_ms,
                    *(getattr(_H, name) for name in _KEY),
                    func.sum(_H.events),
                    func.sum(_H.crossings_in),
                    func.sum(_H.crossings_out),
                    func.max(_H.peak),
                    literal(self.timezone),
                )
                .join(mapping, mapping.c.hour_ms == _H.hour_ms)
                .group_by(mapping.c.day_ms, *(getattr(_H, name) for name in _KEY))
            )
            columns = ["day_ms", *_KEY, "events", "crossings_in", "crossings_out", "peak", "tz"]
            conn.execute(insert(_D).from_select(columns, summed))
        finally:
            mapping.drop(conn)
