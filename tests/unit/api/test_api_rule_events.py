"""Events from rules through the API: their JSON, search by rule, the thumbnail, the live stream."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.unit.api.test_api_cameras import assert_problem
from tests.unit.api.test_api_events import (
    EVENTS,
    JPEG,
    MOTION_HAS_NO_RULE,
    T0,
    YARD,
    make_client,
    new_service,
    next_message,
    report,
)
from vms.api.routes import events as events_routes
from vms.core.bus import EventReported, RuleFacts
from vms.events.service import EventService

THUMB = b"\xff\xd8\xff\xe0 the person \xff\xd9"
CROSSING = RuleFacts(
    rule="Gate in",
    kind="line",
    track_id=12,
    direction="b_to_a",
    count_in=4,
    count_out=2,
    path=((T0, 0.5, 0.25), (T0 + 200, 0.5, 0.75)),
)
CROWD = RuleFacts(rule="Crowd", kind="count", peak_count=4)


def ruled(event_id: str, facts: RuleFacts, **kwargs: object) -> EventReported:
    base = report(event_id, label="person", zones=(facts.rule,), **kwargs)  # type: ignore[arg-type]
    thumbnail = THUMB if base.snapshot_jpeg else None
    return dataclasses.replace(base, rule=facts, thumbnail_jpeg=thumbnail)


@pytest.fixture
def service(tmp_path: Path) -> EventService:
    return new_service(tmp_path)


@pytest.fixture
def http(service: EventService) -> TestClient:
    service.on_report(ruled("c1", CROSSING, start_ms=T0 + 1_000, jpeg=JPEG))
    service.on_report(ruled("k1", CROWD, start_ms=T0 + 2_000, camera=YARD))
    service.on_report(report("m1", start_ms=T0 + 3_000))
    return make_client(service)


def test_a_crossing_as_clients_see_it(http: TestClient) -> None:
    event = http.get(f"{EVENTS}/c1").json()
    assert {key: event[key] for key in MOTION_HAS_NO_RULE} == {
        "rule": "Gate in",
        "rule_kind": "line",
        "track_id": 12,
        "direction": "b_to_a",
        "counts": {"in": 4, "out": 2},
        "peak_count": None,
        "path": [[T0, 0.5, 0.25], [T0 + 200, 0.5, 0.75]],
        "has_thumbnail": True,
    }
    assert (event["label"], event["zones"]) == ("person", ["Gate in"])
    crowd = http.get(f"{EVENTS}/k1").json()
    assert (crowd["rule_kind"], crowd["peak_count"], crowd["track_id"]) == ("count", 4, None)
    assert (crowd["counts"], crowd["path"], crowd["has_thumbnail"]) == (None, [], False)


def test_the_thumbnail_is_a_jpeg_and_motion_has_none(http: TestClient) -> None:
    response = http.get(f"{EVENTS}/c1/thumbnail.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content == THUMB
    assert_problem(http.get(f"{EVENTS}/m1/thumbnail.jpg"), 404, "not-found")
    assert_problem(http.get(f"{EVENTS}/nope/thumbnail.jpg"), 404, "not-found")


def test_search_by_rule(http: TestClient) -> None:
    def found(params: dict[str, object]) -> list[str]:
        return [e["id"] for e in http.get(EVENTS, params=params).json()["events"]]

    assert found({"rule": "Gate in"}) == ["c1"]
    assert found({"rule": ["Gate in", "Crowd"]}) == ["k1", "c1"]
    assert found({"rule": "Crowd", "camera": "gate"}) == []
    assert found({"label": "person"}) == ["k1", "c1"]


def test_the_openapi_document_lists_the_thumbnail_and_rule_filter(http: TestClient) -> None:
    document = http.get("/api/v1/openapi.json").json()
    assert "/api/v1/events/{event_id}/thumbnail.jpg" in document["paths"]
    parameters = document["paths"]["/api/v1/events"]["get"]["parameters"]
    assert "rule" in {p["name"] for p in parameters}
    counts = document["components"]["schemas"]["CountsView"]
    assert set(counts["properties"]) == {"in", "out"}


def test_the_stream_carries_the_rule_facts(
    service: EventService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events_routes, "KEEPALIVE_S", 0.05)
    client = make_client(service)
    with client.stream("GET", f"{EVENTS}/stream", params={"rule": "Gate in"}) as response:
        lines = response.iter_lines()
        service.on_report(ruled("k2", CROWD, phase="opened"))  # another rule: filtered out
        service.on_report(ruled("c2", CROSSING, jpeg=JPEG))
        message = next_message(lines)
        assert message["id"] == "c2"
        data = json.loads(message["data"])
        assert data == client.get(f"{EVENTS}/c2").json()
        assert data["counts"] == {"in": 4, "out": 2}
        assert (data["direction"], data["has_thumbnail"]) == ("b_to_a", True)
