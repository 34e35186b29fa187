"""RulesRepo on the real databases: round trip, refusals with their fields, zones changed later,
rules deleted with their camera."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.support import postgres
from vms.analytics.rules import ActiveWindow, CountRule, LineRule, LoiterRule, Rule, ZoneRule
from vms.analytics.rules_repo import RuleIssue, RulesRejectedError, RulesRepo
from vms.analytics.zones import Zone
from vms.analytics.zones_repo import ZonesRepo
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.core.clock import FakeClock
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId

db_engine = postgres.db_engine
GATE, YARD = CameraId("gate"), CameraId("yard")
LOBBY = Zone("Lobby", "zone", ((0.1, 0.1), (0.9, 0.1), (0.5, 0.9)))
WIRE = Zone("Wire", "line", ((0.0, 0.5), (1.0, 0.5)))
NIGHTS = ActiveWindow(days=("fri", "sat"), start=dt.time(22, 0), end=dt.time(6, 0))
RULES: tuple[Rule, ...] = (
    LineRule(kind="line", name="In", line="Wire", direction="a_to_b", schedule=(NIGHTS,)),
    CountRule(kind="count", name="Crowd", zone="Lobby", above=3, labels=("person",)),
    LoiterRule(kind="loiter", name="Lingering", zone="Lobby", dwell_s=30, min_score=0.4),
    ZoneRule(kind="zone", name="Entering", zone="Lobby", trigger="enter", enabled=False),
)


def _repos(engine: Engine) -> tuple[CamerasRepo, ZonesRepo, RulesRepo]:
    cameras = CamerasRepo(engine, FakeClock())
    for camera in (GATE, YARD):
        cameras.add(CameraRow(id=camera, name=camera, main_url="rtsp://10.0.0.5/main"))
    zones = ZonesRepo(engine, FakeClock())
    zones.replace(GATE, [LOBBY, WIRE])
    return cameras, zones, RulesRepo(engine, FakeClock(start_ms=7000), zones, "Europe/Paris")


def test_rules_round_trip_every_kind_and_field(db_engine: Engine) -> None:
    _, _, repo = _repos(db_engine)
    empty = repo.list(GATE)
    assert (empty.rules, empty.issues, empty.timezone) == ((), (), "Europe/Paris")
    assert repo.replace(GATE, RULES).rules == RULES
    assert repo.list(GATE).rules == RULES
    assert repo.rules_of(GATE) == RULES
    with db_engine.connect() as conn:
        updated = conn.execute(sa.text("SELECT updated_ms FROM camera_rules")).scalar()
    assert updated == 7000
    repo.replace(GATE, RULES[1:2])  # the whole list is replaced
    assert repo.rules_of(GATE) == RULES[1:2]
    repo.replace(GATE, [])
    assert repo.rules_of(GATE) == ()


def test_refusals_name_each_rule_and_field(db_engine: Engine) -> None:
    _, _, repo = _repos(db_engine)
    repo.replace(GATE, RULES[:1])
    wrong: list[Rule] = [
        RULES[0],
        CountRule(kind="count", name="crowd", zone="Wire", above=1),
        LineRule(kind="line", name="Out", line="wire"),
    ]
    with pytest.raises(RulesRejectedError) as refused:
        repo.replace(GATE, wrong)
    assert refused.value.issues == (
        RuleIssue(1, "zone", "crowd: 'Wire' is a line, this rule needs a zone"),
        RuleIssue(2, "line", "Out: the camera has no line named 'wire' (did you mean 'Wire'?)"),
    )
    twice = [RULES[1], CountRule(kind="count", name="CROWD", zone="Lobby", above=1)]
    with pytest.raises(RulesRejectedError, match=r"\[1\]\.name: the name 'CROWD' is used twice"):
        repo.replace(GATE, twice)
    assert repo.rules_of(GATE) == RULES[:1]  # a refused list changes nothing


def test_unknown_cameras(db_engine: Engine) -> None:
    _, _, repo = _repos(db_engine)
    with pytest.raises(NotFoundError, match="'nope' does not exist"):
        repo.list(CameraId("nope"))
    with pytest.raises(NotFoundError):
        repo.replace(CameraId("nope"), [])
    assert repo.rules_of(CameraId("nope")) == ()


def test_a_zone_removed_later_leaves_the_rule_with_an_issue(db_engine: Engine) -> None:
    _, zones, repo = _repos(db_engine)
    repo.replace(GATE, RULES)
    zones.replace(GATE, [LOBBY])  # the zones change still works
    stored = repo.list(GATE)
    assert stored.rules == RULES
    assert stored.issues == (RuleIssue(0, "line", "In: the camera has no line named 'Wire'"),)


def test_rules_go_with_their_camera(db_engine: Engine) -> None:
    cameras, zones, repo = _repos(db_engine)
    zones.replace(YARD, [LOBBY])
    repo.replace(GATE, RULES)
    repo.replace(YARD, RULES[1:2])
    cameras.delete(GATE)
    with db_engine.connect() as conn:
        left = conn.execute(sa.text("SELECT camera_id FROM camera_rules")).scalars().all()
    assert left == ["yard"]
    cameras.add(CameraRow(id=GATE, name="gate", main_url="rtsp://10.0.0.5/main"))
    assert repo.rules_of(GATE) == ()  # the same id again starts with no rules
