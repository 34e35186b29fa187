"""A camera's recording mode through the API: shown, changed by PATCH, refused when invalid."""

from __future__ import annotations

from tests.unit.api.fake_backend import FakeBackend, client


def test_the_recording_mode_is_shown_and_changed() -> None:
    http = client(FakeBackend())
    created = http.post("/api/v1/cameras", json={"id": "gate", "main_url": "rtsp://h/x"})
    view = created.json()
    assert (view["recording_mode"], view["pre_roll_s"], view["post_roll_s"]) == (
        "continuous",
        5.0,
        10.0,
    )
    assert view["event_retention_days"] == 30
    patched = http.patch(
        "/api/v1/cameras/gate",
        json={"recording_mode": "events", "pre_roll_s": 3, "event_retention_days": 90},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["recording_mode"], body["pre_roll_s"], body["post_roll_s"]) == ("events", 3, 10)
    assert body["event_retention_days"] == 90
    assert http.get("/api/v1/cameras/gate").json() == body


def test_an_invalid_mode_or_roll_is_refused_naming_the_field() -> None:
    http = client(FakeBackend())
    http.post("/api/v1/cameras", json={"id": "gate", "main_url": "rtsp://h/x"})
    refused = http.patch("/api/v1/cameras/gate", json={"recording_mode": "sometimes"})
    assert refused.status_code == 422
    too_long = http.patch("/api/v1/cameras/gate", json={"pre_roll_s": 600})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "pre_roll_s"
    assert http.get("/api/v1/cameras/gate").json()["recording_mode"] == "continuous"
