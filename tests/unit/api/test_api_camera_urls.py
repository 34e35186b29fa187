"""Camera URLs through the API: shown without any part of the password, refused when they hold
spaces or control characters (without echoing the password), and a `***` sent back unchanged."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from tests.unit.api.fake_backend import FakeBackend, client

PASSWORD_PARTS = ("zq7", "xk9")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://admin:zq7@xk9@cam.local/s0", "rtsp://admin:***@cam.local/s0"),
        ("rtsp://admin:zq7@xk9@@cam.local:8554/s0", "rtsp://admin:***@cam.local:8554/s0"),
        ("rtsp://admin:zq7%20xk9@cam.local/s0", "rtsp://admin:***@cam.local/s0"),
    ],
)
def test_listing_shows_no_part_of_a_password(url: str, shown: str) -> None:
    http = client(FakeBackend())
    created = http.post("/api/v1/cameras", json={"id": "door", "main_url": url})
    assert created.status_code == 201, created.text
    listed = http.get("/api/v1/cameras")
    assert listed.json()[0]["main_url"] == shown
    assert listed.json()[0]["has_password"] is True
    assert not any(part in listed.text for part in PASSWORD_PARTS), listed.text


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://admin:zq7 xk9@cam.local/s0",
        "rtsp://admin:zq7xk9@cam.local/s0\r\nX-Evil: 1",
        "rtsp://admin:zq7xk9@cam.local/s0\n",
        "rtsp://cam.local/s0 x",
        "rtsp://admin:zq7\txk9@cam.local/s0",
        "rtsp://admin:zq7@xk9@cam.local:99999/s0",
        "rtsp://admin:zq7@xk9@cam.local/%s0#x",
        "http://admin:zq7@xk9@cam.local/s0",
    ],
)
def test_a_bad_url_is_refused_without_echoing_the_password(url: str) -> None:
    http = client(FakeBackend())
    response = http.post("/api/v1/cameras", json={"id": "door", "main_url": url})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["main_url"]
    assert not any(part in response.text for part in PASSWORD_PARTS), response.text
    patched = http.post("/api/v1/cameras", json={"id": "gate", "main_url": "rtsp://h/s"})
    assert patched.status_code == 201
    response = http.patch("/api/v1/cameras/gate", json={"sub_url": url})
    assert response.status_code == 422, response.text
    assert not any(part in response.text for part in PASSWORD_PARTS), response.text


def test_patch_with_the_redacted_url_keeps_the_stored_password() -> None:
    backend = FakeBackend()
    http = client(backend)
    url = "rtsp://admin:zq7@xk9@cam.local:8554/s0"
    http.post("/api/v1/cameras", json={"id": "door", "main_url": url, "sub_url": url})
    shown = http.get("/api/v1/cameras/door").json()
    patched = http.patch(
        "/api/v1/cameras/door",
        json={"name": "Door", "main_url": shown["main_url"], "sub_url": shown["sub_url"] + "1"},
    )
    assert patched.status_code == 200, patched.text
    stored = backend.cameras["door"]
    assert _password(stored.main_url) == "zq7@xk9"
    assert urlsplit(stored.main_url).hostname == "cam.local"
    assert _password(stored.sub_url or "") == "zq7@xk9"
    assert (stored.sub_url or "").endswith("/s01")


@pytest.mark.parametrize(
    "sent", ["rtsp://other:***@cam.local:8554/s0", "rtsp://admin:***@elsewhere:8554/s0"]
)
def test_a_redacted_password_for_another_address_is_refused(sent: str) -> None:
    backend = FakeBackend()
    http = client(backend)
    url = "rtsp://admin:zq7@xk9@cam.local:8554/s0"
    http.post("/api/v1/cameras", json={"id": "door", "main_url": url})
    response = http.patch("/api/v1/cameras/door", json={"main_url": sent})
    assert response.status_code == 422, response.text
    assert "send the real password" in response.text
    assert _password(backend.cameras["door"].main_url) == "zq7@xk9"


def _password(url: str) -> str:
    """The password stored in a URL, decoded (independent of the code under test)."""
    return unquote(urlsplit(url).password or "")
