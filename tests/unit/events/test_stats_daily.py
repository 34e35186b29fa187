"""The daily rollup (site's time zone) gives the same statistics as the hourly one, on SQLite and
PostgreSQL: kept as events close, rebuilt when the site's zone changes, and read only for the
whole local days of a request asked in the site's zone (the hours at either end, other zones and
hourly series read the hourly rows)."""

from __future__ import annotations

import random
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.support import postgres
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.core.bus import EventReported, RuleFacts
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.db.event_tables import EventStatsDailyTable
from vms.events.stats import EventStatistics, StatsQuery
from vms.events.stats_rollup import DailyRollup, StatsRollup
from vms.events.store import EventStore

db_engine = postgres.db_engine
HOUR = 3_600_000
DAY = 24 * HOUR
PARIS = "Europe/Paris"
START = 1_774_310_400_000  # 2026-03-24 00:00 UTC; Paris moves to summer time on the 29th
CAMERAS = (CameraId("gate"), CameraId("yard"))
KINDS = [  # label, rule, kind
    ("motion", None, None),
    ("person", "door", "zone"),
    ("person", "entry", "line"),
    ("car", "crowd", "count"),
]


def record_events(engine: Engine, timezone: str, count: int = 400, seed: int = 3) -> None:
    """`count` closed events over ten days around the change to summer time."""
    repo = CamerasRepo(engine, FakeClock())
    for camera in CAMERAS:
        repo.add(CameraRow(id=camera, name=camera, main_url=f"rtsp://10.0.0.5/{camera}"))
    store = EventStore(engine, FakeClock(START), rollup=StatsRollup(timezone))
    rng = random.Random(seed)
    for n in range(count):
        label, rule_name, kind = rng.choice(KINDS)
        rule = None
        if rule_name is not None and kind is not None:
            direction = rng.choice(["a_to_b", "b_to_a"]) if kind == "line" else None
            peak = rng.randint(1, 9) if kind == "count" else None
            rule = RuleFacts(rule_name, kind, direction=direction, peak_count=peak)
        start_ms = START + rng.randrange(10 * DAY)
        for phase in ("opened", "closed"):
            store.record(
                EventReported(
                    event_id=f"e{n}",
                    camera_id=CAMERAS[n % 2],
                    label=label,
                    phase=phase,
                    start_ms=start_ms,
                    end_ms=start_ms + 4000 if phase == "closed" else None,
                    score=0.8,
                    zones=("drive",) if kind == "zone" else (),
                    rule=rule,
                )
            )


QUERIES: list[dict[str, Any]] = [
    {"start_ms": START - HOUR, "end_ms": START + 10 * DAY, "bucket": "day"},  # Paris days
    {"start_ms": START + 5 * HOUR + 7, "end_ms": START + 8 * DAY + 3 * HOUR - 1, "bucket": "day"},
    {"start_ms": START + 5 * HOUR, "end_ms": START + 9 * DAY, "bucket": "hour"},
    {"start_ms": START, "end_ms": START + 10 * DAY, "bucket": "day", "zones": ("drive",)},
    {"start_ms": START, "end_ms": START + 10 * DAY, "bucket": "day", "rules": ("entry",)},
    {"start_ms": START, "end_ms": START + 10 * DAY, "cameras": (CAMERAS[1],), "labels": ("car",)},
    {"start_ms": START, "end_ms": START + 10 * DAY, "bucket": "day", "timezone": "UTC"},
    {"start_ms": START + 2 * HOUR, "end_ms": START + 2 * DAY, "bucket": "day"},  # < 1 whole day
]


def same_as_hours(engine: Engine, timezone: str) -> None:
    daily = EventStatistics(engine, timezone)
    daily.prepare()
    hourly = EventStatistics(engine, timezone)  # not prepared: hours only
    for values in QUERIES:
        query = StatsQuery(**({"timezone": timezone} | values))
        found = daily.query(query)
        assert found == hourly.query(query), values
        assert found.total > 0, values


def test_days_kept_as_events_close_count_what_the_hours_count(db_engine: Engine) -> None:
    record_events(db_engine, PARIS)
    assert not DailyRollup(db_engine, PARIS).ensure()  # kept in the closing transactions
    same_as_hours(db_engine, PARIS)


def test_a_new_site_zone_cuts_the_days_again(db_engine: Engine) -> None:
    record_events(db_engine, "UTC")
    same_as_hours(db_engine, PARIS)  # prepare() rebuilt them
    with db_engine.connect() as conn:
        zones = conn.execute(sa.select(EventStatsDailyTable.tz).distinct()).scalars().all()
    assert zones == [PARIS]
    assert not DailyRollup(db_engine, PARIS).ensure()
    assert DailyRollup(db_engine, "America/New_York").ensure()
    same_as_hours(db_engine, "America/New_York")


def test_days_are_read_from_the_daily_rows(db_engine: Engine) -> None:
    """Not a coincidence of equal sums: the whole days come from the daily table."""
    record_events(db_engine, PARIS, count=40)
    statistics = EventStatistics(db_engine, PARIS)
    statistics.prepare()
    query = StatsQuery(START - HOUR, START + 10 * DAY, "day", PARIS)
    before = statistics.query(query).total
    with db_engine.begin() as conn:
        conn.execute(sa.update(EventStatsDailyTable).values(events=EventStatsDailyTable.events * 2))
    assert statistics.query(query).total == 2 * before
    assert EventStatistics(db_engine, PARIS).query(query).total == before  # unprepared: hours


@pytest.mark.parametrize("timezone", ["UTC", PARIS])
def test_an_empty_database_needs_no_rebuild(db_engine: Engine, timezone: str) -> None:
    assert not DailyRollup(db_engine, timezone).ensure()
    statistics = EventStatistics(db_engine, timezone)
    statistics.prepare()
    assert statistics.query(StatsQuery(START, START + DAY, "day", timezone)).total == 0
