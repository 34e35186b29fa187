"""System, zones and probe routes over real parts: SQLite zones, a sampled history, real pools."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.auth import basic_header, shared_auth
from tests.support.schema import migrated_sqlite
from tests.support.simulator import free_port
from tests.unit.api.fake_backend import FakeBackend, make_app
from tests.unit.api.test_api_cameras import assert_problem
from vms.analytics.zones_repo import ZonesRepo
from vms.api import Doors, create_api
from vms.auth.models import Role
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.cameras.system import Readiness, SystemFacade
from vms.core.clock import FakeClock
from vms.core.errors import ConflictError
from vms.core.ids import CameraId, StreamName
from vms.storage.pools import StoragePool, StoragePools
from vms.telemetry.history import MetricsHistory
from vms.telemetry.providers import CameraStreamSample, MetricsProviders

VIEWER, VIEWER_PASSWORD = "zone-viewer", "viewer-password-1"
START_MS = 1_700_000_040_000
DOOR: dict[str, Any] = {
    "name": "Door",
    "kind": "zone",
    "points": [[0.1, 0.1], [0.9, 0.1], [0.5, 0.8]],
}
WIRE: dict[str, Any] = {"name": "Wire", "kind": "line", "points": [[0.0, 0.5], [1.0, 0.5]]}


class Streams:
    """Camera stream samples as CameraMetrics reports them: one camera per state."""

    def camera_stream_samples(self) -> Sequence[CameraStreamSample]:
        def sample(cam: str, stream: StreamName, state: str, fps: float) -> CameraStreamSample:
            up = state == "streaming"
            return CameraStreamSample(CameraId(cam), stream, state, up, fps, fps * 1e5, 0, 0, None)

        return [
            sample("gate", StreamName.MAIN, "streaming", 25.0),
            sample("gate", StreamName.SUB, "reconnecting", 0.0),
            sample("yard", StreamName.MAIN, "reconnecting", 0.0),
            sample("shed", StreamName.MAIN, "failed", 0.0),
        ]


@functools.cache
def _viewer() -> None:
    with contextlib.suppress(ConflictError):  # another test module may have made it
        shared_auth().users.add(VIEWER, VIEWER_PASSWORD, Role.VIEWER)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START_MS)


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def app_client(tmp_path: Path, clock: FakeClock, backend: FakeBackend) -> Iterator[TestClient]:
    engine = migrated_sqlite(f"sqlite:///{tmp_path / 'vms.db'}")
    CamerasRepo(engine, clock).add(CameraRow(CameraId("gate"), "Gate", "rtsp://10.0.0.6/s0"))
    streams = Streams()
    history = MetricsHistory(MetricsProviders(cameras=streams), clock)
    history.sample()
    pools = StoragePools([StoragePool("default", tmp_path, media_bytes=lambda: 1234)])
    system = SystemFacade(
        version="9.9",
        readiness=lambda: backend.readiness,
        history=history,
        cameras=streams,
        pools=pools,
        clock=clock,
        prometheus=lambda: (b"", "text/plain"),
        started_ms=START_MS - 90_000,
    )
    app = make_app(backend, system=system, zones=ZonesRepo(engine, clock))
    with TestClient(app, raise_server_exceptions=False, headers=basic_header()) as client:
        yield client
    engine.dispose()


def _as_viewer() -> dict[str, str]:
    _viewer()
    return basic_header(VIEWER, VIEWER_PASSWORD)


def test_zones_round_trip(app_client: TestClient) -> None:
    assert app_client.get("/api/v1/cameras/gate/zones").json() == []
    saved = app_client.put("/api/v1/cameras/gate/zones", json=[WIRE, DOOR])
    assert saved.status_code == 200
    assert saved.json() == [WIRE, DOOR]
    assert app_client.get("/api/v1/cameras/gate/zones").json() == [WIRE, DOOR]
    viewer = app_client.get("/api/v1/cameras/gate/zones", headers=_as_viewer())
    assert viewer.json() == [WIRE, DOOR]
    assert app_client.put("/api/v1/cameras/gate/zones", json=[]).json() == []


def test_zone_rules_give_a_422_per_field(app_client: TestClient) -> None:
    crossing = {"name": "door", "kind": "zone", "points": [[0, 0], [1, 1], [1, 0], [0, 1]]}
    short = {"name": "", "kind": "line", "points": [[0.5, 0.5]]}
    response = app_client.put("/api/v1/cameras/gate/zones", json=[DOOR, crossing, short])
    body = assert_problem(response, 422, "invalid-input")
    assert [(e["field"], e["detail"]) for e in body["errors"]] == [
        ("[1].name", "the name 'door' is used twice (also at [0])"),
        ("[1].points", "the zone's edges 0 and 2 cross or overlap"),
        ("[2].name", "a name is required"),
        ("[2].points", "a line has exactly 2 points, not 1"),
    ]
    too_many = [{**WIRE, "name": f"w{i}"} for i in range(33)]
    body = assert_problem(
        app_client.put("/api/v1/cameras/gate/zones", json=too_many), 422, "invalid-input"
    )
    assert body["errors"] == [
        {"location": "body", "field": "body", "detail": "at most 32 zones and lines per camera"}
    ]
    malformed = [{"name": "x", "kind": "zone", "points": [[0.1, 0.2, 0.3]]}]
    assert_problem(
        app_client.put("/api/v1/cameras/gate/zones", json=malformed), 422, "validation-failed"
    )
    assert app_client.get("/api/v1/cameras/gate/zones").json() == []  # nothing was stored


def test_zones_of_an_unknown_camera_and_of_a_viewer(app_client: TestClient) -> None:
    assert_problem(app_client.get("/api/v1/cameras/nope/zones"), 404, "not-found")
    assert_problem(app_client.put("/api/v1/cameras/nope/zones", json=[DOOR]), 404, "not-found")
    refused = app_client.put("/api/v1/cameras/gate/zones", json=[DOOR], headers=_as_viewer())
    assert_problem(refused, 403, "forbidden")
    assert app_client.get("/api/v1/cameras/gate/zones").json() == []


def test_health_counts_cameras_and_describes_pools(
    app_client: TestClient, tmp_path: Path, clock: FakeClock
) -> None:
    clock.advance(10)
    body = app_client.get("/api/v1/system/health").json()
    assert body["version"] == "9.9"
    assert body["uptime_s"] == 100.0
    assert body["cameras"] == {"online": 1, "reconnecting": 1, "offline": 1, "total": 3}
    assert body["database"] == "ok"
    [pool] = body["pools"]
    assert (pool["name"], pool["path"], pool["media_bytes"]) == ("default", str(tmp_path), 1234)
    assert pool["writable"] is True
    assert pool["total_bytes"] == pool["used_bytes"] + pool["free_bytes"] > 0


def test_health_reports_the_database_error_redacted(
    app_client: TestClient, backend: FakeBackend
) -> None:
    backend.readiness = Readiness(
        database_ok=False,
        database_detail="connect to postgresql://vms:hunter2@db failed",
        pools=(),
        cameras_up=0,
        cameras_total=0,
    )
    body = app_client.get("/api/v1/system/health").json()
    assert body["database"] == "connect to postgresql://vms:***@db failed"
    assert body["pools"][0]["writable"] is False


def test_metrics_history_window(app_client: TestClient) -> None:
    response = app_client.get("/api/v1/system/metrics", params={"window_s": 60, "step_s": 30})
    assert response.status_code == 200
    body = response.json()
    assert (body["start_ms"], body["step_ms"]) == (START_MS - 30_000, 30_000)
    fps = [s for s in body["series"] if s["name"] == "camera_fps"]
    assert {"camera": "gate", "stream": "main", "pool": None} in [s["labels"] for s in fps]
    gate = next(
        s for s in fps if s["labels"]["camera"] == "gate" and s["labels"]["stream"] == "main"
    )
    assert (gate["unit"], gate["points"]) == ("fps", [None, 25.0])
    only = app_client.get("/api/v1/system/metrics", params={"name": "camera_bitrate_bps"}).json()
    assert {s["name"] for s in only["series"]} == {"camera_bitrate_bps"}
    assert len(only["series"][0]["points"]) == 360
    bad = app_client.get("/api/v1/system/metrics", params={"step_s": 15})
    assert "multiple of 10" in assert_problem(bad, 422, "invalid-input")["detail"]
    assert_problem(
        app_client.get("/api/v1/system/metrics", params={"window_s": 7200}),
        422,
        "validation-failed",
    )
    viewer = app_client.get("/api/v1/system/health", headers=_as_viewer())
    assert viewer.status_code == 200


def test_routes_of_a_room_the_server_lacks_are_503() -> None:
    app = create_api(Doors(auth=shared_auth()), version="9.9")
    with TestClient(app, raise_server_exceptions=False, headers=basic_header()) as client:
        for path in ("/api/v1/system/health", "/api/v1/cameras/gate/zones", "/api/v1/cameras"):
            problem = assert_problem(client.get(path), 503, "unavailable")
            assert "is not part of this server" in problem["detail"]
        assert_problem(client.get("/readyz"), 503, "unavailable")


def test_probe_refusals_never_echo_the_password(app_client: TestClient) -> None:
    secret = "hunter2"
    url = "/api/v1/cameras/probe"
    bad_scheme = app_client.post(url, json={"url": "http://10.0.0.5/", "password": secret})
    assert "not an RTSP URL" in assert_problem(bad_scheme, 422, "invalid-input")["detail"]
    out_of_range = {"url": f"rtsp://u:{secret}@10.0.0.5/", "timeout_s": 60}
    assert_problem(app_client.post(url, json=out_of_range), 422, "validation-failed")
    refused = {"url": f"rtsp://127.0.0.1:{free_port()}/x", "username": "u", "password": secret}
    response = app_client.post(url, json=refused)
    assert "connection refused" in assert_problem(response, 422, "invalid-input")["detail"]
    viewer = app_client.post(url, json=refused, headers=_as_viewer())
    assert_problem(viewer, 403, "forbidden")
