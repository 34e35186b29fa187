"""Authentication over HTTP: challenges, the session cookie, throttling, roles, cross-site
requests, user administration and preferences, on a fresh `Auth` and fake clock per test."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.support.auth import basic_header
from tests.support.schema import migrated_sqlite
from tests.unit.api.fake_backend import FakeBackend, make_app
from tests.unit.api.test_api_cameras import GATE, assert_problem
from vms.api.auth_deps import BASIC_CHALLENGE, SESSION_COOKIE
from vms.api.doors import PlaybackDoor
from vms.auth.models import Role
from vms.auth.passwords import hash_password
from vms.auth.service import Auth
from vms.auth.users_repo import UsersRepo
from vms.config.auth import AuthSettings
from vms.core.clock import FakeClock
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.playback.jobs import ExportJob
from vms.playback.service import Playlist, RecordingFile, Timeline
from vms.playback.signing import FileFacts, Verification

PASSWORDS = {"admin": "admin-password", "olga": "operator-password", "vic": "viewer-password"}
ROLES = {"admin": Role.ADMIN, "olga": Role.OPERATOR, "vic": Role.VIEWER}
MAX_FAILURES = 3
LOCKOUT_S = 60
SAME_SITE = "http://testserver"  # TestClient's Host
EXPORT = {"camera": "gate", "start": "1700000000000", "end": "1700000060000"}


@functools.cache
def stored_hash(username: str) -> str:
    """Argon2 is slow on purpose: each test user's hash is made once per run."""
    return hash_password(PASSWORDS[username])


@dataclass
class FakePlayback:
    """Just enough of the playback door for the export routes' role checks."""

    requested_by: list[str] = field(default_factory=list)

    async def timeline(
        self,
        camera: CameraId,
        stream: StreamName,
        start_ms: int,
        end_ms: int,
        bucket_ms: int | None,
    ) -> Timeline:
        raise NotFoundError("no recordings")

    async def playlist(
        self,
        camera: CameraId,
        stream: StreamName,
        start_ms: int,
        end_ms: int,
        uri: Callable[[SegmentId], str],
        *,
        open_uri: Callable[[StreamName, int], str] | None = None,
    ) -> Playlist:
        raise NotFoundError("no recordings")

    async def recording_file(
        self, camera: CameraId, stream: StreamName, start_ms: int
    ) -> RecordingFile:
        raise NotFoundError("no recordings")

    async def frame(
        self, camera: CameraId, stream: StreamName, at_ms: int, width: int | None
    ) -> bytes:
        raise NotFoundError("no recordings")

    async def create_export(
        self, camera: CameraId, stream: StreamName, start_ms: int, end_ms: int, requested_by: str
    ) -> ExportJob:
        self.requested_by.append(requested_by)
        return ExportJob(
            id="e1",
            camera_id=camera,
            stream=stream,
            start_ms=start_ms,
            end_ms=end_ms,
            state="queued",
            progress=0.0,
            requested_by=requested_by,
            created_ms=start_ms,
            finished_ms=None,
            media_start_ms=None,
            size_bytes=None,
            sha256=None,
            error=None,
        )

    async def get_export(self, export_id: str) -> ExportJob:
        raise NotFoundError(f"no export {export_id}")

    async def list_exports(self) -> list[ExportJob]:
        return []

    async def cancel_export(self, export_id: str) -> ExportJob:
        raise NotFoundError(f"no export {export_id}")

    async def delete_export(self, export_id: str) -> None:
        raise NotFoundError(f"no export {export_id}")

    async def export_file(self, export_id: str) -> tuple[ExportJob, Path]:
        raise NotFoundError(f"no export {export_id}")

    async def export_manifest(self, export_id: str) -> bytes:
        raise NotFoundError(f"no export {export_id}")

    async def verify(
        self, envelope: dict[str, Any], export_id: str | None, file: FileFacts | None
    ) -> Verification:
        raise NotFoundError("no export")


@dataclass
class Api:
    auth: Auth
    clock: FakeClock
    playback: FakePlayback
    client: TestClient  # no credentials of its own
    ids: dict[str, int]

    def as_user(self, username: str) -> dict[str, str]:
        return basic_header(username, PASSWORDS[username])

    def signed_in(self, username: str) -> TestClient:
        """A new client (its own cookie jar) signed in with the session cookie."""
        browser = TestClient(self.client.app, raise_server_exceptions=False)
        body = {"username": username, "password": PASSWORDS[username]}
        assert browser.post("/api/v1/auth/session", json=body).status_code == 200
        return browser


def build(engine: Engine, clock: FakeClock, settings: AuthSettings) -> Api:
    auth = Auth.build(engine, clock, settings)
    repo = UsersRepo(engine)
    ids = {
        name: repo.add(name, stored_hash(name), ROLES[name], created_ms=clock.now_ms()).id
        for name in PASSWORDS
    }
    playback = FakePlayback()
    checked: PlaybackDoor = playback  # the fake must satisfy the Protocol
    app = make_app(FakeBackend(), auth=auth, playback=checked)
    return Api(auth, clock, playback, TestClient(app, raise_server_exceptions=False), ids)


@pytest.fixture
def engine() -> Engine:
    return migrated_sqlite()


@pytest.fixture
def api(engine: Engine, fake_clock: FakeClock) -> Api:
    settings = AuthSettings(login_max_failures=MAX_FAILURES, login_lockout_s=LOCKOUT_S)
    return build(engine, fake_clock, settings)


def cookie_attributes(response: httpx.Response) -> dict[str, str]:
    header = response.headers["set-cookie"]
    parts = [part.strip() for part in header.split(";")]
    name, _, value = parts[0].partition("=")
    assert name == SESSION_COOKIE
    attributes = {"value": value}
    for part in parts[1:]:
        key, _, text = part.partition("=")
        attributes[key.lower()] = text
    return attributes


# --- 401 and the Basic challenge -------------------------------------------------------------


def test_no_credentials_is_a_401_problem_with_a_basic_challenge_for_tools(api: Api) -> None:
    response = api.client.get("/api/v1/cameras")
    body = assert_problem(response, 401, "unauthorized")
    assert "sign in" in body["detail"]
    assert response.headers["www-authenticate"] == BASIC_CHALLENGE


@pytest.mark.parametrize(
    "browser_header",
    [
        {"Referer": f"{SAME_SITE}/live"},
        {"Origin": SAME_SITE},
        {"X-Requested-With": "XMLHttpRequest"},
        {"Sec-Fetch-Mode": "cors"},
        {"Sec-Fetch-Mode": "same-origin"},
    ],
)
def test_browsers_get_no_challenge_so_no_native_password_box(
    api: Api, browser_header: dict[str, str]
) -> None:
    for headers in (browser_header, {**browser_header, **basic_header("vic", "wrong-password")}):
        response = api.client.get("/api/v1/cameras", headers=headers)
        assert_problem(response, 401, "unauthorized")
        assert "www-authenticate" not in response.headers


def test_wrong_basic_credentials_from_a_tool_are_challenged_again(api: Api) -> None:
    response = api.client.get("/api/v1/cameras", headers=basic_header("vic", "wrong-password"))
    body = assert_problem(response, 401, "unauthorized")
    assert body["detail"] == "wrong user name or password"
    assert response.headers["www-authenticate"] == BASIC_CHALLENGE
    unknown = api.client.get("/api/v1/cameras", headers=basic_header("nobody", "x-password"))
    assert unknown.json()["detail"] == body["detail"]  # no hint which user names exist


@pytest.mark.parametrize(
    "authorization", ["Bearer abc", "Basic !!!not-base64", "Basic dmlj", "Basic"]
)
def test_malformed_authorization_is_a_plain_401(api: Api, authorization: str) -> None:
    response = api.client.get("/api/v1/cameras", headers={"Authorization": authorization})
    assert_problem(response, 401, "unauthorized")


# --- the session cookie ----------------------------------------------------------------------


def test_sign_in_sets_an_httponly_strict_cookie_that_reads_work_with(api: Api) -> None:
    browser = TestClient(api.client.app, raise_server_exceptions=False)
    signed = browser.post(
        "/api/v1/auth/session", json={"username": "vic", "password": PASSWORDS["vic"]}
    )
    assert signed.status_code == 200
    assert signed.json()["user"] == {
        "id": api.ids["vic"],
        "username": "vic",
        "role": "viewer",
        "disabled": False,
        "created_at_ms": api.clock.now_ms(),
    }
    cookie = cookie_attributes(signed)
    assert len(cookie["value"]) >= 40
    assert "httponly" in cookie
    assert cookie["samesite"].lower() == "strict"
    assert cookie["max-age"] == str(30 * 86_400)
    assert cookie["path"] == "/"
    assert "secure" not in cookie  # plain HTTP: a Secure cookie would never come back
    assert browser.get("/api/v1/cameras").status_code == 200
    session = browser.get("/api/v1/auth/session")
    assert (session.status_code, session.json()["user"]["username"]) == (200, "vic")


@pytest.mark.parametrize(
    ("setting", "headers", "secure"),
    [
        ("auto", {"X-Forwarded-Proto": "https"}, True),
        ("always", {}, True),
        ("never", {"X-Forwarded-Proto": "https"}, False),
    ],
)
def test_secure_cookie_setting(
    engine: Engine, fake_clock: FakeClock, setting: str, headers: dict[str, str], secure: bool
) -> None:
    settings = AuthSettings.model_validate({"cookie_secure": setting})
    api = build(engine, fake_clock, settings)
    body = {"username": "vic", "password": PASSWORDS["vic"]}
    signed = api.client.post("/api/v1/auth/session", json=body, headers=headers)
    assert ("secure" in cookie_attributes(signed)) is secure


def test_signed_out_session_read_is_204_without_a_body(api: Api) -> None:
    """Not an error: the web client asks on every visit and a 401 would log a console error."""
    response = api.client.get("/api/v1/auth/session")
    assert (response.status_code, response.content) == (204, b"")
    stale = api.client.get("/api/v1/auth/session", headers={"Cookie": f"{SESSION_COOKIE}=bogus"})
    assert stale.status_code == 204


def test_sign_out_ends_the_session_and_clears_the_cookie(api: Api) -> None:
    browser = api.signed_in("vic")
    token = browser.cookies[SESSION_COOKIE]
    out = browser.delete("/api/v1/auth/session")
    assert out.status_code == 204
    assert cookie_attributes(out)["max-age"] == "0"
    assert SESSION_COOKIE not in browser.cookies
    assert browser.get("/api/v1/auth/session").status_code == 204
    replayed = api.client.get("/api/v1/cameras", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert_problem(replayed, 401, "unauthorized")  # the old token is dead on the server too
    assert api.client.delete("/api/v1/auth/session").status_code == 204  # signed out already


def test_wrong_sign_in_is_401_without_a_challenge(api: Api) -> None:
    for username in ("vic", "nobody"):
        body = {"username": username, "password": "wrong-password"}
        response = api.client.post("/api/v1/auth/session", json=body)
        assert_problem(response, 401, "unauthorized")
        assert response.json()["detail"] == "wrong user name or password"
        assert "www-authenticate" not in response.headers
        assert "set-cookie" not in response.headers


def test_session_cookie_expires_after_the_idle_time(api: Api) -> None:
    browser = api.signed_in("vic")
    api.clock.advance(7 * 86_400)
    assert_problem(browser.get("/api/v1/cameras"), 401, "unauthorized")


def test_repeated_failures_answer_429_with_retry_after(api: Api) -> None:
    wrong = {"username": "vic", "password": "wrong-password"}
    for _ in range(MAX_FAILURES):
        assert api.client.post("/api/v1/auth/session", json=wrong).status_code == 401
    right = {"username": "vic", "password": PASSWORDS["vic"]}
    locked = api.client.post("/api/v1/auth/session", json=right)
    assert_problem(locked, 429, "rate-limited")
    assert locked.headers["retry-after"] == str(LOCKOUT_S)
    basic = api.client.get("/api/v1/cameras", headers=api.as_user("vic"))
    assert_problem(basic, 429, "rate-limited")  # Basic shares the count
    api.clock.advance(LOCKOUT_S - 10)
    assert api.client.post("/api/v1/auth/session", json=right).headers["retry-after"] == "10"
    api.clock.advance(10)
    assert api.client.post("/api/v1/auth/session", json=right).status_code == 200


# --- roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "call", "status"),
    [
        ("vic", ("GET", "/api/v1/cameras", None), 200),
        ("vic", ("GET", "/metrics", None), 200),
        ("vic", ("GET", "/api/v1/cameras/gate/zones", None), 503),
        ("vic", ("POST", "/api/v1/cameras", GATE), 403),
        ("vic", ("DELETE", "/api/v1/cameras/gate", None), 403),
        ("vic", ("PUT", "/api/v1/cameras/gate/zones", []), 403),
        ("vic", ("POST", "/api/v1/cameras/probe", {"url": "rtsp://10.0.0.1/x"}), 403),
        ("vic", ("GET", "/api/v1/exports", None), 403),
        ("vic", ("POST", "/api/v1/exports", EXPORT), 403),
        ("vic", ("GET", "/api/v1/users", None), 403),
        ("olga", ("GET", "/api/v1/exports", None), 200),
        ("olga", ("POST", "/api/v1/exports", EXPORT), 202),
        ("olga", ("POST", "/api/v1/cameras", GATE), 403),
        ("olga", ("GET", "/api/v1/users", None), 403),
        ("olga", ("POST", "/api/v1/users", {"username": "x", "password": "x-password"}), 403),
        ("olga", ("PATCH", "/api/v1/users/1", {"role": "admin"}), 403),
        ("admin", ("GET", "/api/v1/users", None), 200),
        ("admin", ("POST", "/api/v1/cameras", GATE), 201),
        ("admin", ("DELETE", "/api/v1/cameras/gate", None), 404),
        ("admin", ("GET", "/api/v1/exports", None), 200),
        ("admin", ("POST", "/api/v1/exports", EXPORT), 202),
    ],
)
def test_role_matrix(api: Api, username: str, call: tuple[str, str, object], status: int) -> None:
    """403 where the role does not reach; otherwise the route ran (404 and 503: past the role
    check, with nothing to find, or zones without the system services in this test app)."""
    method, path, body = call
    response = api.client.request(method, path, json=body, headers=api.as_user(username))
    if status != 403:
        assert response.status_code == status, response.text
    else:
        problem = assert_problem(response, 403, "forbidden")
        assert username in problem["detail"]


def test_export_audit_names_the_signed_in_user(api: Api) -> None:
    browser = api.signed_in("olga")
    assert browser.post("/api/v1/exports", json=EXPORT).status_code == 202
    noted = {**EXPORT, "requested_by": "case 42"}
    assert browser.post("/api/v1/exports", json=noted).status_code == 202
    spoofed = {**EXPORT, "requested_by": "admin"}
    assert browser.post("/api/v1/exports", json=spoofed).status_code == 202
    assert api.playback.requested_by == ["olga", "olga (case 42)", "olga (admin)"]


def test_role_change_takes_effect_at_once(api: Api) -> None:
    vic = api.as_user("vic")
    assert api.client.get("/api/v1/users", headers=vic).status_code == 403
    admin = api.as_user("admin")
    changed = api.client.patch(
        f"/api/v1/users/{api.ids['vic']}", json={"role": "admin"}, headers=admin
    )
    assert (changed.status_code, changed.json()["role"]) == (200, "admin")
    assert api.client.get("/api/v1/users", headers=vic).status_code == 200


def test_disabled_or_removed_users_are_refused_at_once(api: Api) -> None:
    admin = api.as_user("admin")
    vic = api.signed_in("vic")
    olga = api.signed_in("olga")
    assert vic.get("/api/v1/cameras").status_code == 200
    assert olga.get("/api/v1/cameras").status_code == 200
    disabled = api.client.patch(
        f"/api/v1/users/{api.ids['vic']}", json={"disabled": True}, headers=admin
    )
    assert disabled.json()["disabled"] is True
    assert_problem(vic.get("/api/v1/cameras"), 401, "unauthorized")
    assert_problem(
        api.client.get("/api/v1/cameras", headers=api.as_user("vic")), 401, "unauthorized"
    )
    assert api.client.delete(f"/api/v1/users/{api.ids['olga']}", headers=admin).status_code == 204
    assert_problem(olga.get("/api/v1/cameras"), 401, "unauthorized")  # 401, not a 404 or 500


# --- cross-site requests ---------------------------------------------------------------------


def test_cross_site_changes_are_refused_same_site_ones_pass(api: Api) -> None:
    browser = api.signed_in("admin")
    evil = {"Origin": "https://evil.example"}
    refused = browser.post("/api/v1/cameras", json=GATE, headers=evil)
    assert_problem(refused, 403, "forbidden")
    assert "another site" in refused.json()["detail"]
    assert (
        browser.post("/api/v1/cameras", json=GATE, headers={"Origin": SAME_SITE}).status_code == 201
    )
    assert_problem(browser.delete("/api/v1/cameras/gate", headers=evil), 403, "forbidden")
    basic = {**api.as_user("admin"), **evil}  # credentials a browser remembered are no excuse
    assert_problem(api.client.delete("/api/v1/cameras/gate", headers=basic), 403, "forbidden")
    assert_problem(browser.put("/api/v1/auth/preferences", json={}, headers=evil), 403, "forbidden")
    assert_problem(
        browser.post(
            "/api/v1/users", json={"username": "m", "password": "m-password"}, headers=evil
        ),
        403,
        "forbidden",
    )
    assert browser.get("/api/v1/cameras", headers=evil).status_code == 200  # reads change nothing
    assert browser.delete("/api/v1/cameras/gate").status_code == 204  # no Origin: a tool or old UA
    sign_in = {"username": "admin", "password": PASSWORDS["admin"]}  # login CSRF: none planted
    assert_problem(
        api.client.post("/api/v1/auth/session", json=sign_in, headers=evil), 403, "forbidden"
    )


@pytest.mark.parametrize("origin", ["null", "http://testserver:8080", "https://testserver.evil"])
def test_lookalike_origins_are_cross_site(api: Api, origin: str) -> None:
    browser = api.signed_in("admin")
    response = browser.post("/api/v1/cameras", json=GATE, headers={"Origin": origin})
    assert_problem(response, 403, "forbidden")


# --- users over HTTP -------------------------------------------------------------------------


def test_users_crud(api: Api) -> None:
    http = TestClient(api.client.app, raise_server_exceptions=False, headers=api.as_user("admin"))
    new = {"username": "ann", "password": "ann-password", "role": "operator"}
    created = http.post("/api/v1/users", json=new)
    assert created.status_code == 201
    ann = created.json()
    assert ann["username"] == "ann" and ann["role"] == "operator" and ann["disabled"] is False
    assert "ann-password" not in created.text
    assert_problem(http.post("/api/v1/users", json=new), 409, "conflict")
    short = {"username": "bea", "password": "short"}
    assert "at least 8" in assert_problem(http.post("/api/v1/users", json=short), 422, "")["detail"]
    bad_name = {"username": "bad name", "password": "long-enough"}
    assert_problem(http.post("/api/v1/users", json=bad_name), 422, "")
    bad_role = {"username": "bea", "password": "long-enough", "role": "root"}
    assert_problem(http.post("/api/v1/users", json=bad_role), 422, "")
    listed = http.get("/api/v1/users")
    assert [u["username"] for u in listed.json()] == ["admin", "ann", "olga", "vic"]
    assert "argon2" not in listed.text and "password" not in listed.text
    patched = http.patch(f"/api/v1/users/{ann['id']}", json={"role": "viewer", "disabled": True})
    assert (patched.json()["role"], patched.json()["disabled"]) == ("viewer", True)
    assert_problem(http.patch(f"/api/v1/users/{ann['id']}", json={"password": "short"}), 422, "")
    assert_problem(http.patch("/api/v1/users/999", json={"role": "viewer"}), 404, "not-found")
    assert_problem(http.delete("/api/v1/users/999"), 404, "not-found")
    assert http.delete("/api/v1/users/0").status_code == 422
    assert http.delete(f"/api/v1/users/{ann['id']}").status_code == 204
    assert [u["username"] for u in http.get("/api/v1/users").json()] == ["admin", "olga", "vic"]


def test_admin_cannot_remove_themselves_nor_lose_the_last_admin(api: Api) -> None:
    http = TestClient(api.client.app, raise_server_exceptions=False, headers=api.as_user("admin"))
    me = api.ids["admin"]
    assert (
        "yourself" in assert_problem(http.delete(f"/api/v1/users/{me}"), 409, "conflict")["detail"]
    )
    demote = http.patch(f"/api/v1/users/{me}", json={"role": "viewer"})
    assert "only enabled admin" in assert_problem(demote, 409, "conflict")["detail"]
    assert_problem(http.patch(f"/api/v1/users/{me}", json={"disabled": True}), 409, "conflict")


# --- own account ----------------------------------------------------------------------------


def test_preferences_put_then_session_shows_them(api: Api) -> None:
    browser = api.signed_in("vic")
    assert browser.get("/api/v1/auth/session").json()["preferences"] == {
        "grid_layout": 4,
        "grid_cameras": [],
    }
    chosen = {"grid_layout": 9, "grid_cameras": ["gate", "yard"]}
    saved = browser.put("/api/v1/auth/preferences", json=chosen)
    assert (saved.status_code, saved.json()) == (200, chosen)
    assert browser.get("/api/v1/auth/session").json()["preferences"] == chosen
    again = api.signed_in("vic")  # they follow the user to another browser
    assert again.get("/api/v1/auth/session").json()["preferences"] == chosen
    assert (
        api.signed_in("olga").get("/api/v1/auth/session").json()["preferences"]["grid_layout"] == 4
    )
    assert_problem(browser.put("/api/v1/auth/preferences", json={"grid_layout": 5}), 422, "")
    assert_problem(api.client.put("/api/v1/auth/preferences", json=chosen), 401, "unauthorized")


def test_own_password_change_keeps_this_browser_and_signs_out_the_others(api: Api) -> None:
    here = api.signed_in("vic")
    there = api.signed_in("vic")
    change = {"current_password": "wrong-password", "new_password": "vic-new-password"}
    wrong = here.post("/api/v1/auth/password", json=change)
    assert_problem(wrong, 422, "invalid-input")  # not 401: the web client would sign out
    assert here.get("/api/v1/auth/session").status_code == 200
    change["current_password"] = PASSWORDS["vic"]
    assert here.post("/api/v1/auth/password", json=change).status_code == 204
    assert here.get("/api/v1/auth/session").status_code == 200
    assert there.get("/api/v1/auth/session").status_code == 204
    old = {"username": "vic", "password": PASSWORDS["vic"]}
    assert api.client.post("/api/v1/auth/session", json=old).status_code == 401
    new = {"username": "vic", "password": "vic-new-password"}
    assert api.client.post("/api/v1/auth/session", json=new).status_code == 200


# --- public and protected operational routes -------------------------------------------------


def test_metrics_need_a_user_health_and_openapi_do_not(api: Api) -> None:
    assert_problem(api.client.get("/metrics"), 401, "unauthorized")
    metrics = api.client.get("/metrics", headers=api.as_user("vic"))
    assert (metrics.status_code, metrics.text) == (200, "vms_camera_up 1\n")
    assert api.client.get("/healthz").status_code == 200
    assert api.client.get("/readyz").status_code == 200
    document = api.client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    assert "/api/v1/auth/session" in document.json()["paths"]
    assert api.client.get("/api/v1/docs").status_code == 200


def test_every_api_route_but_sign_in_needs_a_user(api: Api) -> None:
    """A route added later without `require(...)` fails here."""
    public = {("POST", "/api/v1/auth/session"), ("GET", "/api/v1/auth/session")}
    public |= {("DELETE", "/api/v1/auth/session")}
    paths = api.client.get("/api/v1/openapi.json").json()["paths"]
    checked = 0
    for path, operations in paths.items():
        concrete = path.replace("{camera_id}", "gate").replace("{user_id}", "1")
        concrete = concrete.replace("{export_id}", "e1").replace("{segment_id}", "1")
        for method in operations:
            if (method.upper(), path) in public or not path.startswith("/api/v1"):
                continue
            response = api.client.request(method.upper(), concrete)
            assert response.status_code == 401, (method, path, response.status_code)
            checked += 1
    assert checked > 20
