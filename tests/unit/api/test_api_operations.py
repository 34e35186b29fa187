"""Health, readiness, metrics, error mapping and the OpenAPI document."""

from __future__ import annotations

import pytest

from tests.unit.api.fake_backend import FakeBackend, client
from tests.unit.api.test_api_cameras import assert_problem
from vms.api.schemas.health import DatabaseCheck, PoolCheck, ReadinessView
from vms.cameras.system import PoolState, Readiness
from vms.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StorageUnavailableError,
    VmsError,
)


def test_healthz() -> None:
    response = client(FakeBackend()).get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "version": "9.9"})


def test_readyz_ready() -> None:
    response = client(FakeBackend()).get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert (body["cameras_up"], body["cameras_total"]) == (1, 2)
    assert body["pools"][0] == {
        "name": "default",
        "writable": True,
        "free_bytes": 10,
        "total_bytes": 20,
        "detail": None,
    }


@pytest.mark.parametrize(
    ("database_ok", "writable"), [(False, [True]), (True, [False, False]), (True, [])]
)
def test_readyz_not_ready(database_ok: bool, writable: list[bool]) -> None:
    backend = FakeBackend()
    backend.readiness = Readiness(
        database_ok=database_ok,
        database_detail="connect to postgresql://u:pw@db failed",
        pools=tuple(PoolState(name=f"p{i}", writable=w) for i, w in enumerate(writable)),
        cameras_up=0,
        cameras_total=0,
    )
    response = client(backend).get("/readyz")
    assert (response.status_code, response.json()["ready"]) == (503, False)
    assert "pw@" not in response.text


def test_readyz_when_the_check_itself_fails() -> None:
    backend = FakeBackend(fail_with=RuntimeError("db exploded"))
    response = client(backend).get("/readyz")
    assert response.status_code == 503
    assert response.json()["ready"] is False
    assert "exploded" not in response.text


def test_one_pool_writable_is_enough() -> None:
    view = ReadinessView(
        database=DatabaseCheck(ok=True),
        pools=[PoolCheck(name="a", writable=False), PoolCheck(name="b", writable=True)],
        cameras_up=0,
        cameras_total=0,
    )
    assert view.ready is True


def test_metrics() -> None:
    response = client(FakeBackend()).get("/metrics")
    assert response.status_code == 200
    assert response.text == "vms_camera_up 1\n"
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (NotFoundError("no camera 'x'"), 404, "not-found"),
        (ConflictError("segment is locked"), 409, "conflict"),
        (InvalidInputError("bad value"), 422, "invalid-input"),
        (StorageUnavailableError("pool full"), 503, "storage-unavailable"),
    ],
)
def test_domain_errors_map_to_problems(error: VmsError, status: int, kind: str) -> None:
    response = client(FakeBackend(fail_with=error)).get("/api/v1/cameras")
    problem = assert_problem(response, status, kind)
    assert problem["detail"] == str(error)
    assert problem["type"] == f"tag:vms,2026:problem:{kind}"
    assert "errors" not in problem


def test_error_details_are_redacted() -> None:
    error = StorageUnavailableError("cannot reach rtsp://admin:hunter2@cam")
    response = client(FakeBackend(fail_with=error)).get("/api/v1/cameras")
    assert assert_problem(response, 503, "storage-unavailable")["detail"] == (
        "cannot reach rtsp://admin:***@cam"
    )


@pytest.mark.parametrize(
    "error", [RuntimeError("/var/lib/vms/secret.db is locked"), VmsError("unmapped")]
)
def test_unexpected_errors_are_500_without_internals(error: Exception) -> None:
    response = client(FakeBackend(fail_with=error)).get("/api/v1/cameras")
    problem = assert_problem(response, 500, "internal-error")
    assert "secret.db" not in response.text and "unmapped" not in response.text
    assert "Traceback" not in response.text
    assert problem["detail"] == "An unexpected error occurred; the server log has the details."


def test_http_errors_are_problems_too() -> None:
    http = client(FakeBackend())
    missing = assert_problem(http.get("/api/v1/nothing-here"), 404, "about:blank")
    assert missing["title"] == "Not Found"
    not_allowed = assert_problem(http.put("/api/v1/cameras"), 405, "about:blank")
    assert not_allowed["title"] == "Method Not Allowed"


def test_openapi_document() -> None:
    http = client(FakeBackend())
    document = http.get("/api/v1/openapi.json").json()
    # every room's routes are in the document, whichever doors a server has
    assert {
        "/api/v1/cameras",
        "/api/v1/cameras/{camera_id}",
        "/api/v1/cameras/{camera_id}/status",
        "/api/v1/cameras/{camera_id}/segments",
        "/api/v1/cameras/{camera_id}/recordings",
        "/api/v1/segments/{segment_id}/file",
        "/api/v1/recordings/{segment_id}/file",
        "/api/v1/auth/session",
        "/api/v1/auth/preferences",
        "/api/v1/auth/password",
        "/api/v1/users",
        "/api/v1/users/{user_id}",
        "/api/v1/cameras/probe",
        "/api/v1/cameras/{camera_id}/zones",
        "/api/v1/system/metrics",
        "/api/v1/system/health",
        "/api/v1/cameras/{camera_id}/timeline",
        "/api/v1/exports",
        "/api/v1/events",
        "/api/v1/cameras/{camera_id}/whep",
        "/api/v1/cameras/{camera_id}/live.m3u8",
        "/healthz",
        "/readyz",
        "/metrics",
    } <= set(document["paths"])
    assert set(document["paths"]["/api/v1/cameras"]) == {"get", "post"}
    assert set(document["paths"]["/api/v1/cameras/{camera_id}"]) == {"get", "patch", "delete"}
    assert document["info"]["version"] == "9.9"
    not_found = document["paths"]["/api/v1/cameras/{camera_id}"]["get"]["responses"]["404"]
    assert set(not_found["content"]) == {"application/problem+json"}
    assert document["paths"]["/api/v1/cameras"]["get"]["operationId"] == "list_cameras"
    schemas = document["components"]["schemas"]
    assert "password" not in schemas["CameraView"]["properties"]
    assert "has_password" in schemas["CameraView"]["properties"]
    password = schemas["CameraCreate"]["properties"]["password"]
    assert "writeOnly" in str(password)
    file_responses = document["paths"]["/api/v1/segments/{segment_id}/file"]["get"]["responses"]
    assert {"200", "206", "416"} <= set(file_responses)
    assert "video/mp4" in file_responses["206"]["content"]


def test_docs_page() -> None:
    response = client(FakeBackend()).get("/api/v1/docs")
    assert response.status_code == 200
    assert "/api/v1/openapi.json" in response.text
