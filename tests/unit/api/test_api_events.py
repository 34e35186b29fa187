"""Event routes on a real SQLite store: search, paging, problems, pictures and the live stream."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.auth import basic_header
from tests.support.schema import migrated_sqlite
from tests.unit.api.fake_backend import FakeBackend, make_app
from tests.unit.api.test_api_cameras import assert_problem
from vms.api.routes import events as events_routes
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.config.events import EventsSettings
from vms.core.bus import EventPhase, EventReported
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.events.service import EventService, build_events

T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z
NOW = T0 + 60_000
GATE, YARD = CameraId("gate"), CameraId("yard")
JPEG = b"\xff\xd8\xff\xe0 a picture \xff\xd9"
INVALID, FAILED = "invalid-input", "validation-failed"
MOTION_HAS_NO_RULE: dict[str, Any] = {
    "rule": None,
    "rule_kind": None,
    "track_id": None,
    "direction": None,
    "counts": None,
    "peak_count": None,
    "path": [],
    "has_thumbnail": False,
}
EVENTS = "/api/v1/events"


def new_service(folder: Path) -> EventService:
    engine = migrated_sqlite(f"sqlite:///{folder / 'vms.db'}")
    clock = FakeClock(start_ms=NOW)
    cameras = CamerasRepo(engine, clock)
    for camera in (GATE, YARD):
        cameras.add(CameraRow(id=camera, name=camera, main_url=f"rtsp://10.0.0.5/{camera}"))
    return build_events(engine, clock, EventsSettings())


@pytest.fixture
def service(tmp_path: Path) -> EventService:
    """An empty store, for the tests that write."""
    return new_service(tmp_path)


def make_client(service: EventService, *, signed_in: bool = True) -> TestClient:
    app = make_app(FakeBackend(), events=service)
    headers = basic_header() if signed_in else None
    return TestClient(app, raise_server_exceptions=False, headers=headers)


@pytest.fixture
def fresh(service: EventService) -> TestClient:
    return make_client(service)


def report(
    event_id: str,
    *,
    phase: EventPhase = "closed",
    camera: CameraId = GATE,
    label: str = "motion",
    start_ms: int = T0,
    score: float = 0.5,
    zones: tuple[str, ...] = (),
    jpeg: bytes | None = None,
) -> EventReported:
    return EventReported(
        event_id=event_id,
        camera_id=camera,
        label=label,
        phase=phase,
        start_ms=start_ms,
        end_ms=None if phase != "closed" else start_ms + 2_000,
        score=score,
        zones=zones,
        snapshot_jpeg=jpeg,
        snapshot_ms=None if jpeg is None else start_ms,
    )


@pytest.fixture(scope="module")
def stocked(tmp_path_factory: pytest.TempPathFactory) -> EventService:
    """Five events, read by many tests: e1..e5 one second apart, on two cameras, labels, zones."""
    service = new_service(tmp_path_factory.mktemp("stocked"))
    for item in [
        report("e1", start_ms=T0 + 1_000, score=0.1, zones=("door",), jpeg=JPEG),
        report("e2", start_ms=T0 + 2_000, score=0.2, camera=YARD, zones=("drive",)),
        report("e3", start_ms=T0 + 3_000, score=0.3, label="person", zones=("door", "drive")),
        report("e4", start_ms=T0 + 4_000, score=0.4, camera=YARD),
        report("e5", start_ms=T0 + 5_000, score=0.9, phase="opened"),
    ]:
        service.on_report(item)
    return service


@pytest.fixture(scope="module")
def http(stocked: EventService) -> TestClient:
    return make_client(stocked)


def ids(body: dict[str, Any]) -> list[str]:
    return [e["id"] for e in body["events"]]


def test_an_event_as_clients_see_it(http: TestClient) -> None:
    response = http.get(EVENTS, params={"camera": "gate", "zone": "door", "label": "motion"})
    assert response.status_code == 200
    assert response.json() == {
        "events": [
            {
                "id": "e1",
                "camera_id": "gate",
                "label": "motion",
                "zones": ["door"],
                "score": 0.1,
                "start_ms": T0 + 1_000,
                "end_ms": T0 + 3_000,
                "snapshot_url": "/api/v1/events/e1/snapshot.jpg",
                "clip": {"start_ms": T0 - 4_000, "end_ms": T0 + 8_000},  # 5 s either side
                **MOTION_HAS_NO_RULE,
            }
        ],
        "next_cursor": None,
    }
    assert http.get(f"{EVENTS}/e1").json() == response.json()["events"][0]


def test_an_open_event_has_no_end_and_its_clip_runs_to_now(http: TestClient) -> None:
    event = http.get(f"{EVENTS}/e5").json()
    assert (event["end_ms"], event["snapshot_url"]) == (None, None)
    assert event["clip"] == {"start_ms": T0, "end_ms": NOW + 5_000}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["e5", "e4", "e3", "e2", "e1"]),
        ({"camera": "yard"}, ["e4", "e2"]),
        ({"camera": ["yard", "gate"]}, ["e5", "e4", "e3", "e2", "e1"]),
        ({"label": "person"}, ["e3"]),
        ({"label": ["person", "motion"], "camera": "gate"}, ["e5", "e3", "e1"]),
        ({"zone": "drive"}, ["e3", "e2"]),
        ({"zone": ["door", "drive"]}, ["e3", "e2", "e1"]),
        ({"start": str(T0 + 3_000)}, ["e5", "e4", "e3"]),
        ({"start": "2023-11-14T22:13:23Z"}, ["e5", "e4", "e3"]),
        ({"start": "2023-11-14T23:13:23+01:00"}, ["e5", "e4", "e3"]),
        ({"end": "2023-11-14T22:13:23Z"}, ["e2", "e1"]),
        ({"start": str(T0 + 2_000), "end": str(T0 + 4_000)}, ["e3", "e2"]),
        ({"min_score": 0.3}, ["e5", "e4", "e3"]),
        ({"min_score": 0, "camera": "yard", "zone": "drive"}, ["e2"]),
        ({"camera": "attic"}, []),
    ],
)
def test_search_filters(http: TestClient, params: dict[str, Any], expected: list[str]) -> None:
    response = http.get(EVENTS, params=params)
    assert response.status_code == 200
    assert ids(response.json()) == expected


NEWEST = ["e5", "e4", "e3", "e2", "e1"]


@pytest.mark.parametrize(("order", "expected"), [("newest", NEWEST), ("oldest", NEWEST[::-1])])
@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_paging_to_the_end(http: TestClient, limit: int, order: str, expected: list[str]) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": limit, "camera": ["gate", "yard"], "order": order}
    for _ in range(10):
        body = http.get(EVENTS, params=params).json()
        assert len(body["events"]) <= limit
        seen += ids(body)
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == expected


@pytest.mark.parametrize(
    ("params", "kind", "field"),
    [
        ({"start": "yesterday"}, INVALID, "start"),
        ({"end": "2023-11-14T22:13:23"}, INVALID, "end"),  # no time zone
        ({"start": str(T0 + 5_000), "end": str(T0 + 5_000)}, INVALID, "end"),
        ({"start": str(T0 + 5_000), "end": str(T0)}, INVALID, "end"),
        ({"cursor": "not-a-cursor"}, INVALID, None),
        ({"order": "random"}, FAILED, "order"),
        ({"limit": 0}, FAILED, "limit"),
        ({"limit": 501}, FAILED, "limit"),
        ({"limit": "many"}, FAILED, "limit"),
        ({"min_score": 2}, FAILED, "min_score"),
        ({"min_score": -0.1}, FAILED, "min_score"),
    ],
)
def test_bad_searches_are_422_problems(
    http: TestClient,
    params: dict[str, Any],
    kind: str,
    field: str | None,
) -> None:
    problem = assert_problem(http.get(EVENTS, params=params), 422, kind)
    if field is not None:
        assert [(e["location"], e["field"]) for e in problem["errors"]] == [("query", field)]


def test_both_bad_times_are_named_at_once(http: TestClient) -> None:
    problem = assert_problem(http.get(EVENTS, params={"start": "x", "end": "y"}), 422, INVALID)
    assert [e["field"] for e in problem["errors"]] == ["start", "end"]


def test_statistics_count_the_closed_events_by_label_camera_and_zone(http: TestClient) -> None:
    response = http.get(f"{EVENTS}/stats", params={"start": str(T0), "end": str(NOW)})
    assert response.status_code == 200, response.text
    body = response.json()
    hour = T0 - T0 % 3_600_000
    assert (body["bucket"], body["timezone"], body["total"]) == ("hour", "UTC", 4)  # e5 is open
    assert body["series"] == [{"start_ms": hour, "value": 4}]
    assert body["by_camera"] == [{"key": "gate", "count": 2}, {"key": "yard", "count": 2}]
    assert body["by_label"] == [{"key": "motion", "count": 3}, {"key": "person", "count": 1}]
    assert body["by_zone"] == [{"key": "door", "count": 2}, {"key": "drive", "count": 2}]
    daily = http.get(
        f"{EVENTS}/stats",
        params={"start": str(T0), "end": str(NOW), "bucket": "day", "zone": "door"},
    ).json()
    assert daily["total"] == 2 and daily["series"][0]["start_ms"] % 86_400_000 == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"end": "1700000060000"}, "start"),
        ({"start": "1700000060000", "end": "1700000000000"}, "end"),
        ({"start": "1700000000000", "end": "1700000060000", "bucket": "week"}, "bucket"),
    ],
)
def test_bad_statistics_requests_are_422(
    http: TestClient, params: dict[str, str], field: str
) -> None:
    response = http.get(f"{EVENTS}/stats", params=params)
    assert response.status_code == 422, response.text
    assert field in response.text


def test_an_unknown_time_zone_is_a_422(http: TestClient) -> None:
    params = {"start": str(T0), "end": str(NOW), "tz": "Mars/Olympus"}
    response = http.get(f"{EVENTS}/stats", params=params)
    assert response.status_code == 422 and "Mars/Olympus" in response.json()["detail"]


def test_an_unknown_event_is_a_404(http: TestClient) -> None:
    assert_problem(http.get(f"{EVENTS}/nope"), 404, "not-found")


def test_the_snapshot_is_a_jpeg(http: TestClient) -> None:
    response = http.get(f"{EVENTS}/e1/snapshot.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-cache"
    assert response.content == JPEG


@pytest.mark.parametrize("event_id", ["e2", "nope"])
def test_no_snapshot_is_a_404(http: TestClient, event_id: str) -> None:
    assert_problem(http.get(f"{EVENTS}/{event_id}/snapshot.jpg"), 404, "not-found")


def test_labels(http: TestClient) -> None:
    assert http.get(f"{EVENTS}/labels").json() == ["motion", "person"]


def test_no_labels_yet(fresh: TestClient) -> None:
    assert fresh.get(f"{EVENTS}/labels").json() == []


@pytest.mark.parametrize(
    "path",
    [EVENTS, f"{EVENTS}/labels", f"{EVENTS}/e1", f"{EVENTS}/e1/snapshot.jpg", f"{EVENTS}/stream"],
)
def test_events_need_a_signed_in_user(stocked: EventService, path: str) -> None:
    assert_problem(make_client(stocked, signed_in=False).get(path), 401, "unauthorized")


# --- the live stream ---------------------------------------------------------------------------


@pytest.fixture
def quick_keepalive(monkeypatch: pytest.MonkeyPatch) -> None:
    """A comment line every 50 ms, so a test reading a quiet stream is never stuck for long."""
    monkeypatch.setattr(events_routes, "KEEPALIVE_S", 0.05)


def next_message(lines: Iterator[str], timeout_s: float = 10.0) -> dict[str, str]:
    """The next server-sent message's fields (comments skipped)."""
    deadline = time.monotonic() + timeout_s
    fields: dict[str, str] = {}
    for line in lines:
        assert time.monotonic() < deadline, "no message came"
        if not line:
            if "event" in fields:
                return fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value
    raise AssertionError("the stream ended")


@pytest.mark.usefixtures("quick_keepalive")
def test_the_stream_delivers_reports_made_after_connecting(
    service: EventService, fresh: TestClient
) -> None:
    with fresh.stream("GET", f"{EVENTS}/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        lines = response.iter_lines()
        assert service.feed.listeners == 1
        service.on_report(report("e7", phase="opened", zones=("door",), jpeg=JPEG))
        message = next_message(lines)
        assert (message["event"], message["id"]) == ("opened", "e7")
        data = json.loads(message["data"])
        assert data == fresh.get(f"{EVENTS}/e7").json()
        assert data["snapshot_url"] == "/api/v1/events/e7/snapshot.jpg"
        service.on_report(report("e7", phase="closed"))
        closed = next_message(lines)
        assert closed["event"] == "closed"
        assert json.loads(closed["data"])["end_ms"] == T0 + 2_000
    assert service.feed.listeners == 0  # the client left: its listener is gone


@pytest.mark.usefixtures("quick_keepalive")
def test_the_stream_filters_by_camera(service: EventService, fresh: TestClient) -> None:
    with fresh.stream("GET", f"{EVENTS}/stream", params={"camera": "yard"}) as response:
        lines = response.iter_lines()
        service.on_report(report("g1", phase="opened", camera=GATE))
        service.on_report(report("y1", phase="opened", camera=YARD))
        message = next_message(lines)
        assert message["id"] == "y1"  # the gate's event never came
        assert json.loads(message["data"])["camera_id"] == "yard"


def test_a_bad_stream_filter_is_a_422_not_a_stream(
    service: EventService, fresh: TestClient
) -> None:
    assert_problem(fresh.get(f"{EVENTS}/stream", params={"min_score": 2}), 422, FAILED)
    assert service.feed.listeners == 0
