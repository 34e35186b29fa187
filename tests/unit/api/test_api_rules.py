"""Rule routes over real SQLite zones and rules: round trip, per-rule issues, roles, OpenAPI."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.auth import basic_header, shared_auth
from tests.support.schema import migrated_sqlite
from tests.unit.api.fake_backend import FakeBackend, make_app
from tests.unit.api.test_api_cameras import assert_problem
from vms.analytics.rules_repo import RulesRepo
from vms.analytics.zones_repo import ZonesRepo
from vms.auth.models import Role
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.core.clock import FakeClock
from vms.core.errors import ConflictError
from vms.core.ids import CameraId

RULES = "/api/v1/cameras/gate/rules"
ZONES = "/api/v1/cameras/gate/zones"
OPERATOR, OPERATOR_PASSWORD = "rule-operator", "operator-password-1"
LOBBY = {"name": "Lobby", "kind": "zone", "points": [[0.1, 0.1], [0.9, 0.1], [0.5, 0.8]]}
GATE_LINE = {"name": "Gate", "kind": "line", "points": [[0.0, 0.5], [1.0, 0.5]]}
# As the API returns them: every field, defaults filled in.
CROSSING: dict[str, Any] = {
    "name": "In through the gate",
    "enabled": True,
    "labels": ["person"],
    "min_score": 0.5,
    "min_width": 0.0,
    "min_height": 0.0,
    "schedule": [{"days": ["mon", "fri"], "start": "22:00:00", "end": "06:00:00"}],
    "kind": "line",
    "line": "Gate",
    "direction": "a_to_b",
}
CROWD: dict[str, Any] = {
    "name": "Crowd",
    "enabled": True,
    "labels": [],
    "min_score": 0.0,
    "min_width": 0.0,
    "min_height": 0.0,
    "schedule": [],
    "kind": "count",
    "zone": "Lobby",
    "above": 3,
}


@functools.cache
def _operator() -> None:
    with contextlib.suppress(ConflictError):  # another test module may have made it
        shared_auth().users.add(OPERATOR, OPERATOR_PASSWORD, Role.OPERATOR)


@contextlib.contextmanager
def rules_client(tmp_path: Path, timezone: str) -> Iterator[TestClient]:
    """An API with real zones and rules repositories on a fresh SQLite database holding the
    camera `gate`, signed in as the first admin."""
    engine = migrated_sqlite(f"sqlite:///{tmp_path / 'vms.db'}")
    clock = FakeClock(1_700_000_000_000)
    CamerasRepo(engine, clock).add(CameraRow(CameraId("gate"), "Gate", "rtsp://10.0.0.6/s0"))
    zones = ZonesRepo(engine, clock)
    rules = RulesRepo(engine, clock, zones, timezone)
    app = make_app(FakeBackend(), zones=zones, rules=rules)
    try:
        with TestClient(app, raise_server_exceptions=False, headers=basic_header()) as client:
            yield client
    finally:
        engine.dispose()


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    with rules_client(tmp_path, "Europe/Paris") as client:
        assert client.put(ZONES, json=[LOBBY, GATE_LINE]).status_code == 200
        yield client


def test_rules_round_trip_with_defaults_filled_in(http: TestClient) -> None:
    empty = {"rules": [], "issues": [], "timezone": "Europe/Paris"}
    assert http.get(RULES).json() == empty
    brief = {"name": "Crowd", "kind": "count", "zone": "Lobby", "above": 3}
    saved = http.put(RULES, json={"rules": [CROSSING, brief]})
    assert saved.status_code == 200, saved.text
    expected = {"rules": [CROSSING, CROWD], "issues": [], "timezone": "Europe/Paris"}
    assert saved.json() == expected
    assert http.get(RULES).json() == expected
    assert http.put(RULES, json={"rules": []}).json() == empty


def test_a_rule_naming_a_missing_zone_is_refused_field_by_field(http: TestClient) -> None:
    wrong_kind = {**CROWD, "name": "Gate crowd", "zone": "Gate"}
    missing = {**CROSSING, "line": "gate"}
    twice = {**CROWD, "name": "crowd"}
    response = http.put(RULES, json={"rules": [CROWD, wrong_kind, missing]})
    body = assert_problem(response, 422, "invalid-input")
    assert [(e["field"], e["detail"]) for e in body["errors"]] == [
        ("rules[1].zone", "Gate crowd: 'Gate' is a line, this rule needs a zone"),
        (
            "rules[2].line",
            "In through the gate: the camera has no line named 'gate' (did you mean 'Gate'?)",
        ),
    ]
    body = assert_problem(http.put(RULES, json={"rules": [CROWD, twice]}), 422, "invalid-input")
    assert body["errors"] == [
        {
            "location": "body",
            "field": "rules[1].name",
            "detail": "the name 'crowd' is used twice (also at [0])",
        }
    ]
    assert http.get(RULES).json()["rules"] == []  # nothing was stored


def test_malformed_rules_are_validation_failures(http: TestClient) -> None:
    cases = [
        {"rules": [{**CROSSING, "direction": "sideways"}]},
        {"rules": [{**CROWD, "kind": "teleport"}]},
        {"rules": [{**CROWD, "above": -1}]},
        {"rules": [{**CROWD, "typo": 1}]},
        {"rules": [{**CROSSING, "schedule": [{"days": ["mon", "mon"]}]}]},
    ]
    for body in cases:
        problem = assert_problem(http.put(RULES, json=body), 422, "validation-failed")
        assert all(e["field"].startswith("rules[0]") for e in problem["errors"]), problem


def test_zones_changed_under_a_rule_keep_working_and_the_rule_reports_its_issue(
    http: TestClient,
) -> None:
    assert http.put(RULES, json={"rules": [CROWD, CROSSING]}).status_code == 200
    assert http.put(ZONES, json=[LOBBY]).status_code == 200  # the gate line is gone
    body = http.get(RULES).json()
    assert body["rules"] == [CROWD, CROSSING]
    assert body["issues"] == [
        {"index": 1, "detail": "In through the gate: the camera has no line named 'Gate'"}
    ]


def test_unknown_camera_and_roles(http: TestClient) -> None:
    assert_problem(http.get("/api/v1/cameras/nope/rules"), 404, "not-found")
    assert_problem(http.put("/api/v1/cameras/nope/rules", json={"rules": []}), 404, "not-found")
    _operator()
    operator = basic_header(OPERATOR, OPERATOR_PASSWORD)
    assert http.get(RULES, headers=operator).status_code == 200
    refused = http.put(RULES, json={"rules": [CROWD]}, headers=operator)
    assert_problem(refused, 403, "forbidden")
    assert http.get(RULES).json()["rules"] == []


def test_openapi_documents_the_rule_union(http: TestClient) -> None:
    document = http.get("/api/v1/openapi.json").json()
    assert set(document["paths"]["/api/v1/cameras/{camera_id}/rules"]) == {"get", "put"}
    schemas = document["components"]["schemas"]
    items = schemas["RulesIn"]["properties"]["rules"]["items"]
    assert items["discriminator"]["propertyName"] == "kind"
    assert set(items["discriminator"]["mapping"]) == {"zone", "count", "line", "loiter"}
    assert {"index", "detail"} <= set(schemas["RuleIssueView"]["properties"])
