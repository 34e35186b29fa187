"""Masks, the third kind of drawn area: stored through the zones API like a zone, refused by the
rules (a mask is neither a zone nor a line), ignored by motion, and checked as a polygon."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.unit.analytics.test_motion import LEFT, RIGHT, background, detector, with_box
from tests.unit.api.test_api_cameras import assert_problem
from tests.unit.api.test_api_rules import CROWD, LOBBY, rules_client
from vms.analytics.zones import Zone, zone_issues

ZONES = "/api/v1/cameras/gate/zones"
RULES = "/api/v1/cameras/gate/rules"
STREET = {"name": "Street", "kind": "mask", "points": [[0.0, 0.6], [1.0, 0.6], [1.0, 1.0]]}


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    with rules_client(tmp_path, "UTC") as client:
        yield client


def test_a_mask_is_stored_and_listed_beside_zones(http: TestClient) -> None:
    saved = http.put(ZONES, json=[LOBBY, STREET])
    assert saved.status_code == 200, saved.text
    assert http.get(ZONES).json() == [LOBBY, STREET]


def test_a_mask_is_checked_as_a_polygon(http: TestClient) -> None:
    line_like = {**STREET, "points": [[0.0, 0.5], [1.0, 0.5]]}
    body = assert_problem(http.put(ZONES, json=[line_like]), 422, "invalid-input")
    assert body["errors"][0]["field"] == "[0].points"
    assert "3 to 64 points" in body["errors"][0]["detail"]
    assert http.get(ZONES).json() == []


def test_a_rule_may_not_name_a_mask(http: TestClient) -> None:
    assert http.put(ZONES, json=[LOBBY, STREET]).status_code == 200
    on_mask = {**CROWD, "name": "Street crowd", "zone": "Street"}
    body = assert_problem(http.put(RULES, json={"rules": [on_mask]}), 422, "invalid-input")
    assert [(e["field"], e["detail"]) for e in body["errors"]] == [
        ("rules[0].zone", "Street crowd: 'Street' is a mask, this rule needs a zone")
    ]


def test_motion_ignores_masks() -> None:
    masked = detector((Zone("left", "mask", LEFT),))  # only a mask: the whole picture is watched
    watched = detector((Zone("right", "zone", RIGHT), Zone("left", "mask", LEFT)))
    for watcher in (masked, watched):
        watcher.feed(background())
    in_mask = masked.feed(with_box(8, 20))
    assert in_mask.moving and in_mask.zones == ()
    beside = watched.feed(with_box(8, 20))  # moves in the mask, outside the one zone
    assert not beside.moving and beside.zones == ()


def test_zone_issues_treat_a_mask_as_a_polygon() -> None:
    assert zone_issues([Zone("street", "mask", ((0.0, 0.0), (1.0, 0.0), (0.5, 1.0)))]) == []
    crossed = Zone("street", "mask", ((0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)))
    assert [issue.field for issue in zone_issues([crossed])] == ["points"]
