"""Zones and lines: the rules a camera's list obeys, the geometry behind them, the repository."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from tests.support import postgres
from vms.analytics.zones import (
    MAX_ZONES,
    Point,
    Zone,
    first_crossing,
    polygon_area,
    segments_touch,
    zone_issues,
)
from vms.analytics.zones_repo import ZonesRepo
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.core.clock import FakeClock
from vms.core.errors import InvalidInputError, NotFoundError
from vms.core.ids import CameraId
from vms.db.engine import alembic_config, migrate

db_engine = postgres.db_engine

SQUARE: tuple[Point, ...] = ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9))
DOOR = Zone("Door", "zone", SQUARE)
TRIPWIRE = Zone("Tripwire", "line", ((0.2, 0.5), (0.8, 0.5)))


def _details(zones: list[Zone]) -> list[str]:
    return [f"{i.index}.{i.field}: {i.detail}" for i in zone_issues(zones)]


def test_a_valid_list_has_no_issues() -> None:
    edge = Zone("Edge", "zone", ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0)))
    assert zone_issues([DOOR, TRIPWIRE, edge]) == []
    assert zone_issues([]) == []


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (Zone("A", "zone", ((0.1, 0.1), (0.5, 0.5))), "0.points: a zone has 3 to 64 points, not 2"),
        (Zone("A", "line", SQUARE[:3]), "0.points: a line has exactly 2 points, not 3"),
        (Zone("A", "line", ((0.3, 0.3), (0.3, 0.3))), "0.points: the two points of a line must"),
        (Zone("A", "zone", ((0.1, 0.1), (1.2, 0.1), (0.5, 0.5))), "point 1 is not"),
        (Zone("A", "line", ((-0.01, 0.1), (0.5, 0.5))), "coordinates must be within [0, 1]"),
        (Zone("A", "zone", ((0.1, 0.1), (0.5, 0.1), (0.9, 0.1))), "has no area"),
        (Zone("A", "zone", (*SQUARE, SQUARE[0])), "the last point repeats the first"),
        (Zone("A", "zone", ((0.1, 0.1), (0.5, 0.1), (0.5, 0.1), (0.3, 0.6))), "point 2 repeats"),
        # a bow tie: edges 0 and 2 cross in the middle
        (
            Zone("A", "zone", ((0.1, 0.1), (0.9, 0.9), (0.9, 0.1), (0.1, 0.9))),
            "edges 0 and 2 cross",
        ),
        (Zone("A", "zone", ((0.5, 0.5), (0.5005, 0.5), (0.5, 0.5005))), "too small"),
        (Zone(" ", "zone", SQUARE), "0.name: a name is required"),
        (Zone("x" * 65, "zone", SQUARE), "0.name: at most 64 characters"),
        (Zone("A", "zone", tuple((i / 100, (i % 2) / 2) for i in range(65))), "not 65"),
        (Zone("A", "zone", ((0.1, 0.1), (float("nan"), 0.2), (0.3, 0.9))), "point 1 is not"),
    ],
)
def test_each_broken_rule_is_named(zone: Zone, expected: str) -> None:
    details = _details([zone])
    assert len(details) == 1, details
    assert expected in details[0]


def test_names_are_unique_ignoring_case_and_every_issue_is_reported() -> None:
    details = _details([DOOR, Zone("door ", "line", ((0.2, 0.2), (0.2, 0.2))), TRIPWIRE])
    assert details == [
        "1.name: the name 'door' is used twice (also at [0])",
        "1.points: the two points of a line must differ",
    ]


def test_too_many_zones_is_one_issue_for_the_list() -> None:
    zones = [Zone(f"z{i}", "line", ((0.1, 0.1), (0.2, 0.2))) for i in range(MAX_ZONES + 1)]
    issues = zone_issues(zones)
    assert [(i.index, i.detail) for i in issues] == [
        (None, "at most 32 zones and lines per camera")
    ]
    assert zone_issues(zones[:MAX_ZONES]) == []


def test_polygon_geometry() -> None:
    assert polygon_area(SQUARE) == pytest.approx(0.64)
    assert polygon_area(tuple(reversed(SQUARE))) == pytest.approx(-0.64)
    assert first_crossing(SQUARE) is None
    concave = ((0.1, 0.1), (0.9, 0.1), (0.5, 0.4), (0.9, 0.9), (0.1, 0.9))
    assert first_crossing(concave) is None
    # the outline runs back along itself at point 2 (a spike): neighbours 1 and 2 overlap
    spike = ((0.1, 0.1), (0.9, 0.1), (0.9, 0.5), (0.9, 0.3), (0.1, 0.9))
    assert first_crossing(spike) == (1, 2)
    # touching without crossing counts: point 3 lies on edge 0
    touching = ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.5, 0.1), (0.1, 0.9))
    assert first_crossing(touching) is not None


@pytest.mark.parametrize(
    ("a", "b", "c", "d", "touch"),
    [
        ((0, 0), (1, 1), (0, 1), (1, 0), True),  # an X
        ((0, 0), (1, 0), (2, 0), (3, 0), False),  # collinear, apart
        ((0, 0), (2, 0), (1, 0), (3, 0), True),  # collinear, overlapping
        ((0, 0), (1, 0), (1, 0), (1, 1), True),  # end to end
        ((0, 0), (1, 0), (0, 1), (1, 1), False),  # parallel
        ((0, 0), (1, 0), (0.5, 0.1), (0.5, 1), False),  # stops short
    ],
)
def test_segments_touch(a: Point, b: Point, c: Point, d: Point, touch: bool) -> None:
    assert segments_touch(a, b, c, d) is touch
    assert segments_touch(c, d, a, b) is touch


def _add_camera(engine: Engine, cam: str = "gate") -> CamerasRepo:
    cameras = CamerasRepo(engine, FakeClock())
    cameras.add(CameraRow(id=CameraId(cam), name=cam, main_url="rtsp://10.0.0.5/main"))
    return cameras


def test_replace_and_list_keep_order_and_values(db_engine: Engine) -> None:
    _add_camera(db_engine)
    clock = FakeClock(start_ms=5000)
    repo = ZonesRepo(db_engine, clock)
    gate = CameraId("gate")
    assert repo.list(gate) == []
    stored = repo.replace(gate, [TRIPWIRE, Zone("  Door  ", "zone", SQUARE)])
    assert stored == [TRIPWIRE, DOOR]  # names are stored stripped
    assert repo.list(gate) == [TRIPWIRE, DOOR]
    with db_engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, position, updated_ms FROM camera_zones")).all()
    assert sorted(tuple(r) for r in rows) == [("Door", 1, 5000), ("Tripwire", 0, 5000)]
    repo.replace(gate, [DOOR])  # the whole list is replaced
    assert repo.list(gate) == [DOOR]
    repo.replace(gate, [])
    assert repo.list(gate) == []


def test_unknown_camera_and_bad_lists_are_refused(db_engine: Engine) -> None:
    _add_camera(db_engine)
    repo = ZonesRepo(db_engine, FakeClock())
    with pytest.raises(NotFoundError, match="'nope' does not exist"):
        repo.list(CameraId("nope"))
    with pytest.raises(NotFoundError):
        repo.replace(CameraId("nope"), [DOOR])
    repo.replace(CameraId("gate"), [DOOR])
    with pytest.raises(InvalidInputError, match=r"\[1\]\.name: the name 'Door' is used twice"):
        repo.replace(CameraId("gate"), [DOOR, DOOR])
    assert repo.list(CameraId("gate")) == [DOOR]  # a refused list changes nothing


def test_zones_go_with_their_camera(db_engine: Engine) -> None:
    cameras = _add_camera(db_engine)
    _add_camera(db_engine, "yard")
    repo = ZonesRepo(db_engine, FakeClock())
    repo.replace(CameraId("gate"), [DOOR])
    repo.replace(CameraId("yard"), [TRIPWIRE])
    cameras.delete(CameraId("gate"))
    with db_engine.connect() as conn:
        left = conn.execute(sa.text("SELECT camera_id, name FROM camera_zones")).all()
    assert [tuple(r) for r in left] == [("yard", "Tripwire")]
    _add_camera(db_engine)  # the same id again starts with no zones
    assert repo.list(CameraId("gate")) == []


def test_migration_0004_goes_down_and_up(db_engine: Engine) -> None:
    _add_camera(db_engine)
    ZonesRepo(db_engine, FakeClock()).replace(CameraId("gate"), [DOOR])
    config = alembic_config()
    with db_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    assert "camera_zones" not in sa.inspect(db_engine).get_table_names()
    migrate(db_engine)
    assert "camera_zones" in sa.inspect(db_engine).get_table_names()
    assert ZonesRepo(db_engine, FakeClock()).list(CameraId("gate")) == []
