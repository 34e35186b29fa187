"""Camera routes over an in-memory backend: CRUD, problem details, passwords never shown."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.unit.api.fake_backend import SECRET, FakeBackend, client

GATE: dict[str, Any] = {
    "id": "gate",
    "main_url": "rtsp://10.0.0.6/s0",
    "sub_url": "rtsp://10.0.0.6/s1",
    "username": "admin",
    "password": SECRET,
}


def assert_problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].endswith(kind)
    assert body["instance"] == response.request.url.path
    assert body["title"] and body["detail"]
    assert SECRET not in response.text
    return body


def test_camera_lifecycle() -> None:
    http = client(FakeBackend())
    assert http.get("/api/v1/cameras").json() == []
    created = http.post("/api/v1/cameras", json=GATE)
    assert created.status_code == 201
    assert created.headers["location"] == "/api/v1/cameras/gate"
    view = created.json()
    assert view["has_password"] is True
    assert "password" not in view
    assert (view["name"], view["transport"], view["record_stream"]) == ("gate", "tcp", "main")
    assert http.get("/api/v1/cameras/gate").json() == view
    assert [c["id"] for c in http.get("/api/v1/cameras").json()] == ["gate"]
    patched = http.patch("/api/v1/cameras/gate", json={"name": "Gate", "record_stream": "sub"})
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["record_stream"]) == ("Gate", "sub")
    assert patched.json()["main_url"] == GATE["main_url"]  # untouched fields stay
    assert http.delete("/api/v1/cameras/gate").status_code == 204
    assert_problem(http.get("/api/v1/cameras/gate"), 404, "not-found")


def test_patch_can_clear_the_password() -> None:
    http = client(FakeBackend())
    http.post("/api/v1/cameras", json=GATE)
    cleared = http.patch("/api/v1/cameras/gate", json={"password": None, "username": None})
    assert cleared.json()["has_password"] is False


def test_url_credentials_are_redacted_and_counted_as_a_password() -> None:
    http = client(FakeBackend())
    body = {"id": "door", "main_url": f"rtsp://admin:{SECRET}@10.0.0.7/s0"}
    view = http.post("/api/v1/cameras", json=body).json()
    assert view["main_url"] == "rtsp://admin:***@10.0.0.7/s0"
    assert view["has_password"] is True


def test_srt_passphrase_is_redacted() -> None:
    http = client(FakeBackend())
    body = {"id": "srt", "main_url": f"srt://10.0.0.8:9000?passphrase={SECRET}{SECRET}"}
    view = http.post("/api/v1/cameras", json=body).json()
    assert view["main_url"] == "srt://10.0.0.8:9000?passphrase=***"


def test_duplicate_is_a_conflict() -> None:
    http = client(FakeBackend())
    http.post("/api/v1/cameras", json=GATE)
    assert_problem(http.post("/api/v1/cameras", json=GATE), 409, "conflict")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**GATE, "main_url": f"http://admin:{SECRET}@h/x"}, ["main_url"]),
        ({**GATE, "pasword": SECRET}, ["pasword"]),
        ({**GATE, "id": "Bad Id", "transport": "quic"}, ["id", "transport"]),
        ({"main_url": "rtsp://h/x"}, ["id"]),
    ],
)
def test_invalid_camera_lists_the_fields(body: dict[str, Any], fields: list[str]) -> None:
    response = client(FakeBackend()).post("/api/v1/cameras", json=body)
    problem = assert_problem(response, 422, "validation-failed")
    assert [e["field"] for e in problem["errors"]] == fields
    assert {e["location"] for e in problem["errors"]} == {"body"}


def test_settings_errors_carry_their_fix() -> None:
    response = client(FakeBackend()).post(
        "/api/v1/cameras", json={**GATE, "main_url": "http://h/x"}
    )
    (error,) = response.json()["errors"]
    assert "fix: use rtsp://" in error["detail"]


def test_malformed_json_is_a_400() -> None:
    response = client(FakeBackend()).post(
        "/api/v1/cameras", content=b'{"id": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed-request")


def test_invalid_camera_id_in_the_path() -> None:
    problem = assert_problem(
        client(FakeBackend()).get("/api/v1/cameras/Not%20A%20Slug"), 422, "validation-failed"
    )
    assert problem["errors"][0]["location"] == "path"
    assert problem["errors"][0]["field"] == "camera_id"


def test_patch_that_breaks_the_camera_names_the_field() -> None:
    http = client(FakeBackend())
    http.post("/api/v1/cameras", json={"id": "gate", "main_url": "rtsp://h/x"})
    problem = assert_problem(
        http.patch("/api/v1/cameras/gate", json={"record_stream": "sub"}), 422, "invalid-input"
    )
    assert problem["errors"][0]["field"] == "record_stream"
    assert "sub_url" in problem["errors"][0]["detail"]
    assert_problem(http.patch("/api/v1/cameras/gate", json={"id": "x"}), 422, "validation-failed")
    assert_problem(http.patch("/api/v1/cameras/nope", json={"name": "x"}), 404, "not-found")


def test_status_is_redacted() -> None:
    http = client(FakeBackend())
    http.post("/api/v1/cameras", json=GATE)
    response = http.get("/api/v1/cameras/gate/status")
    assert response.status_code == 200
    (main,) = response.json()["streams"]
    assert main["last_error"] == "401 from rtsp://admin:***@10.0.0.6/s0"
    assert (main["codec"], main["width"], main["wallclock_source"]) == ("h264", 1920, "rtcp")
    assert main["recorder"]["segments_closed"] == 1
    assert SECRET not in response.text


def test_password_never_appears_in_any_response() -> None:
    backend = FakeBackend()
    http = client(backend)
    responses = [
        http.post("/api/v1/cameras", json=GATE),
        http.post("/api/v1/cameras", json={"id": "u", "main_url": f"rtsp://a:{SECRET}@h/x"}),
        http.post("/api/v1/cameras", json=GATE),  # conflict
        http.post("/api/v1/cameras", json={**GATE, "id": "x", "transport": SECRET}),
        http.get("/api/v1/cameras"),
        http.get("/api/v1/cameras/gate"),
        http.get("/api/v1/cameras/gate/status"),
        http.patch("/api/v1/cameras/gate", json={"password": SECRET, "name": "g"}),
        http.patch("/api/v1/cameras/gate", json={"main_url": f"rtsp://a:{SECRET}@h/x"}),
        http.get("/api/v1/cameras/u/recordings"),
    ]
    for response in responses:
        assert SECRET not in response.text, response.request.url
    assert backend.cameras["gate"].password is not None  # it was stored, just never shown
