"""Event statistics on SQLite and PostgreSQL: events counted once when they close, in the hour
they began, per label, camera, rule and zone; line crossings and count peaks; days cut in a time
zone; the filters; the rollup of events closed before migration 0010."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.support import postgres
from tests.support.schema import migrated_sqlite
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.core.bus import EventPhase, EventReported, RuleFacts
from vms.core.clock import FakeClock
from vms.core.errors import InvalidInputError
from vms.core.ids import CameraId
from vms.db.engine import create_engine, migrate
from vms.events.stats import EventStatistics, StatsQuery
from vms.events.store import EventStore

db_engine = postgres.db_engine
HOUR = 3_600_000
DAY = 24 * HOUR
T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC (01:00 in Paris)
GATE, YARD = CameraId("gate"), CameraId("yard")


@pytest.fixture
def store(db_engine: Engine) -> EventStore:
    cameras = CamerasRepo(db_engine, FakeClock())
    for camera in (GATE, YARD):
        cameras.add(CameraRow(id=camera, name=camera, main_url=f"rtsp://10.0.0.5/{camera}"))
    return EventStore(db_engine, FakeClock(T0))


def event(
    store: EventStore,
    event_id: str,
    start_ms: int,
    *,
    camera: CameraId = GATE,
    label: str = "person",
    zones: tuple[str, ...] = (),
    rule: RuleFacts | None = None,
    phases: tuple[EventPhase, ...] = ("opened", "closed"),
) -> None:
    for phase in phases:
        store.record(
            EventReported(
                event_id=event_id,
                camera_id=camera,
                label=label,
                phase=phase,
                start_ms=start_ms,
                end_ms=start_ms + 5000 if phase == "closed" else None,
                score=0.9,
                zones=zones,
                rule=rule,
            )
        )


def line(direction: str) -> RuleFacts:
    return RuleFacts(rule="gate-line", kind="line", track_id=1, direction=direction)


def stats(engine: Engine, **query: Any) -> Any:
    values: dict[str, Any] = {"start_ms": T0, "end_ms": T0 + 2 * DAY} | query
    return EventStatistics(engine).query(StatsQuery(**values))


def test_closed_events_count_once_in_the_hour_they_began(
    store: EventStore, db_engine: Engine
) -> None:
    event(store, "a", T0 + 10 * 60_000, zones=("door",))
    event(store, "b", T0 + 50 * 60_000, zones=("door", "drive"), label="car")
    event(store, "c", T0 + HOUR + 1, camera=YARD)
    event(store, "d", T0 + HOUR + 2, phases=("opened",))  # still open: not counted yet
    event(store, "a", T0 + 10 * 60_000, zones=("door",), phases=("closed",))  # closed again
    found = stats(db_engine)
    assert found.total == 3
    assert [(p.start_ms, p.value) for p in found.series] == [(T0, 2), (T0 + HOUR, 1)]
    assert [(t.key, t.count) for t in found.by_label] == [("person", 2), ("car", 1)]
    assert [(t.key, t.count) for t in found.by_camera] == [("gate", 2), ("yard", 1)]
    assert [(t.key, t.count) for t in found.by_zone] == [("door", 2), ("drive", 1)]
    by_label = {s.key: [(p.start_ms, p.value) for p in s.points] for s in found.series_by_label}
    assert by_label == {"car": [(T0, 1)], "person": [(T0, 1), (T0 + HOUR, 1)]}
    event(store, "d", T0 + HOUR + 2, phases=("closed",))
    assert stats(db_engine).total == 4


def test_filters_combine_and_a_zone_counts_the_events_in_it(
    store: EventStore, db_engine: Engine
) -> None:
    event(store, "a", T0, zones=("door",))
    event(store, "b", T0, zones=("drive",), label="car")
    event(store, "c", T0, camera=YARD, zones=("door",))
    assert stats(db_engine, zones=("door",)).total == 2
    assert stats(db_engine, zones=("door",), cameras=(YARD,)).total == 1
    assert stats(db_engine, labels=("car",)).total == 1
    assert stats(db_engine, labels=("car",), zones=("door",)).total == 0
    assert stats(db_engine, start_ms=T0 + HOUR).total == 0


def test_line_crossings_and_count_peaks_per_rule(store: EventStore, db_engine: Engine) -> None:
    for n, direction in enumerate(["a_to_b", "a_to_b", "b_to_a", "a_to_b"]):
        event(store, f"x{n}", T0 + n * HOUR, rule=line(direction))
    crowd = RuleFacts(rule="crowd", kind="count", peak_count=3)
    event(store, "p1", T0 + 2 * HOUR, rule=crowd, label="person")
    event(store, "p2", T0 + 2 * HOUR + 60_000, rule=RuleFacts("crowd", "count", peak_count=5))
    event(store, "p3", T0 + DAY, rule=RuleFacts("crowd", "count", peak_count=2))
    found = stats(db_engine, bucket="day")
    rules = {r.rule: r for r in found.rules}
    assert (rules["gate-line"].crossings_in, rules["gate-line"].crossings_out) == (3, 1)
    assert rules["crowd"].peak == 5
    assert [(p.start_ms, p.value) for p in rules["crowd"].peaks] == [(T0, 5), (T0 + DAY, 2)]
    assert [(t.key, t.count) for t in found.by_rule] == [("gate-line", 4), ("crowd", 3)]


def test_days_begin_at_midnight_in_the_asked_time_zone(
    store: EventStore, db_engine: Engine
) -> None:
    event(store, "late", T0 - 30 * 60_000)  # 23:30 UTC on Dec 31: 00:30 Jan 1 in Paris
    event(store, "early", T0 + 10 * 60_000)
    utc = stats(db_engine, start_ms=T0 - DAY, bucket="day")
    assert [(p.start_ms, p.value) for p in utc.series] == [(T0 - DAY, 1), (T0, 1)]
    paris = stats(db_engine, start_ms=T0 - DAY, bucket="day", timezone="Europe/Paris")
    assert [(p.start_ms, p.value) for p in paris.series] == [(T0 - HOUR, 2)]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"end_ms": T0}, "empty"),
        ({"end_ms": T0 + 4 * 366 * DAY}, "three years"),
        ({"timezone": "Mars/Olympus"}, "not a time zone"),
    ],
)
def test_bad_queries_say_what_is_wrong(
    db_engine: Engine, query: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidInputError, match=problem):
        stats(db_engine, **query)


def test_events_closed_before_the_rollup_existed_are_counted_by_the_migration(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'vms.db'}")
    migrate(engine, "0009")
    CamerasRepo(engine, FakeClock()).add(CameraRow(id=GATE, name="g", main_url="rtsp://h/"))
    with engine.begin() as conn:  # as 0009's code stored them: no rollup table yet
        for n, (direction, zone) in enumerate([("a_to_b", "door"), ("b_to_a", None)]):
            facts = {"kind": "line", "track_id": n, "direction": direction, "path": []}
            conn.execute(
                sa.text(
                    "INSERT INTO events (id, camera_id, label, score, start_ms, end_ms,"
                    " updated_ms, rule, facts) VALUES (:id, 'gate', 'person', 0.9, :s, :e, :s,"
                    " 'gate-line', :f)"
                ),
                {"id": f"e{n}", "s": T0 + n, "e": T0 + n + 1000, "f": json.dumps(facts)},
            )
            if zone:
                conn.execute(sa.text(f"INSERT INTO event_zones VALUES ('e{n}', '{zone}')"))
    migrate(engine)
    found = stats(engine)
    assert found.total == 2 and [(t.key, t.count) for t in found.by_zone] == [("door", 1)]
    (crossings,) = found.rules
    assert (crossings.crossings_in, crossings.crossings_out) == (1, 1)
    engine.dispose()


def test_the_in_memory_template_has_the_rollup_table() -> None:
    assert "event_stats" in sa.inspect(migrated_sqlite()).get_table_names()
