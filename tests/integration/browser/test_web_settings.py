"""The web client's settings pages in Chromium, against a real VMS and simulated cameras: a camera
added through the form (tested first: codec, size and a real picture), then edited and removed;
a zone drawn on a camera's picture that survives a reload; a user created there who can sign in;
and the System tab's health and charts. Each tab leaves a screenshot in the test artifacts.

One VMS process serves, for the module, `cam1` from a simulator that asks for a user name and
password; the test camera `door` is cam2 of the same simulator, added by the tests. The pages are
the built web client (web/dist, `make web`) as the VMS serves it, signed in as the first admin.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from playwright.sync_api import Page

from tests.support.browser import BrowserPage, BrowserPages, Gray, assert_not_blank
from tests.support.live import has_keyframe
from tests.support.simulator import RunningSimulator, simulator_process
from tests.support.vms_process import ADMIN, ADMIN_PASSWORD, VmsProcess, wait_for

CAMERA_USER, CAMERA_PASSWORD = "camuser", "cam-secret-9"
SIM_ARGS = (
    "--cameras",
    "2",
    "--size",
    "640x360",
    "--gop-seconds",
    "1",
    "--username",
    CAMERA_USER,
    "--password",
    CAMERA_PASSWORD,
)
DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
ONLINE_TIMEOUT_MS = 30_000
CHARTS_TIMEOUT_MS = 40_000  # the history samples every 10 s; the tab refreshes every 10 s
# Signed out, the client's first session check is answered 401, which Chromium logs.


@dataclass(frozen=True, slots=True)
class SettingsVms:
    vms: VmsProcess
    simulator: RunningSimulator


def _streaming(vms: VmsProcess, camera: str) -> bool:
    return bool(vms.stream_state(camera)["state"] == "streaming")


@pytest.fixture(scope="module")
def settings_vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SettingsVms]:
    assert (DIST / "index.html").is_file(), "web/dist is missing: run `make web`"
    with simulator_process(*SIM_ARGS) as simulator, ExitStack() as cleanup:
        cameras: list[dict[str, Any]] = [
            {
                "id": "cam1",
                "name": "Camera 1",
                "main_url": simulator.url(1),
                "username": CAMERA_USER,
                "password": CAMERA_PASSWORD,
                "record": False,
            }
        ]
        vms = VmsProcess(tmp_path_factory.mktemp("web-settings") / "vms", cameras)
        cleanup.callback(vms.close)
        vms.start()
        assert wait_for(lambda: _streaming(vms, "cam1"), 30), vms.log()[-3000:]
        assert wait_for(lambda: has_keyframe(vms, "cam1"), 30)  # for snapshots
        yield SettingsVms(vms, simulator)


def _sign_in(
    page: BrowserPage, path: str, username: str, password: str, landing: str
) -> BrowserPage:
    """Sign in through the sign-in page, which sends the user on to `path`."""
    page.sign_in_with_form(path, username, password, landing)
    return page


def _admin_page(pages: BrowserPages, vms: VmsProcess, path: str, **size: int) -> BrowserPage:
    page = pages.new_page(vms.base_url, **size)
    return _sign_in(page, path, ADMIN, ADMIN_PASSWORD, re.escape(path) + "$")


def _jpeg_gray(data_url: str) -> Gray:
    assert data_url.startswith("data:image/jpeg;base64,"), data_url[:40]
    jpeg = base64.b64decode(data_url.split(",", 1)[1])
    decoded = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    assert decoded is not None, "the probe's snapshot is not a JPEG"
    return np.asarray(decoded, dtype=np.uint8)


def _fill(page: Page, label: str, value: str) -> None:
    page.get_by_label(label, exact=True).fill(value)


@pytest.mark.slow
def test_a_camera_is_tested_added_edited_and_removed(
    settings_vms: SettingsVms, browser_pages: BrowserPages
) -> None:
    vms, simulator = settings_vms.vms, settings_vms.simulator
    page = _admin_page(browser_pages, vms, "/settings/cameras", width=1280, height=900)
    p = page.page
    p.get_by_test_id("camera-row-cam1").wait_for()
    p.get_by_test_id("add-camera").click()
    p.wait_for_url(re.compile(r"/settings/cameras/new$"))

    _fill(p, "Id", "door")
    _fill(p, "Name", "Door")
    _fill(p, "Main stream URL", simulator.url(2))
    _fill(p, "Sub stream URL (optional)", simulator.url(2, "sub"))
    _fill(p, "User name", CAMERA_USER)
    _fill(p, "Password", CAMERA_PASSWORD)
    _fill(p, "Keep for (days)", "3")
    p.get_by_label("Recording", exact=True).select_option("events")
    _fill(p, "Pre-roll (seconds)", "3")
    _fill(p, "Keep events for (days)", "60")
    p.get_by_label("Object detection", exact=True).select_option("off")
    p.get_by_test_id("probe-button").click()
    video = p.get_by_test_id("probe-video-main")
    video.wait_for(timeout=30_000)
    assert re.fullmatch(r"h264( \(.+\))? 640×360 · 25 fps", video.inner_text()), video.inner_text()
    assert "aac" in p.get_by_test_id("probe-result-main").inner_text()
    p.get_by_test_id("probe-video-sub").wait_for(timeout=30_000)
    snapshot = p.get_by_test_id("probe-snapshot-main")
    assert snapshot.evaluate("(img) => img.complete && img.naturalWidth") == 640
    assert_not_blank(_jpeg_gray(str(snapshot.get_attribute("src"))), "probe snapshot")
    assert vms.client.get("/api/v1/cameras/door").status_code == 404, "saved before Save"
    page.screenshot("camera-form-tested")

    p.get_by_test_id("save-camera").click()
    p.wait_for_url(re.compile(r"/settings/cameras$"))
    state = p.get_by_test_id("camera-state-door")
    p.wait_for_function(
        "(el) => el.textContent === 'online'",
        arg=state.element_handle(),
        timeout=ONLINE_TIMEOUT_MS,
    )
    page.screenshot("cameras")
    saved = vms.client.get("/api/v1/cameras/door").json()
    assert (saved["username"], saved["has_password"], saved["retention_days"]) == (
        CAMERA_USER,
        True,
        3,
    )
    assert (saved["recording_mode"], saved["pre_roll_s"], saved["post_roll_s"]) == ("events", 3, 10)
    assert (saved["event_retention_days"], saved["detect"]) == (60, "off")

    # Edit: a blank password keeps the stored one (the camera stays online after the change).
    p.get_by_test_id("edit-camera-door").click()
    p.wait_for_url(re.compile(r"/settings/cameras/edit/door$"))
    name = p.get_by_label("Name", exact=True)
    p.wait_for_function("(el) => el.value === 'Door'", arg=name.element_handle())
    name.fill("Front door")
    _fill(p, "Keep at most (GB)", "2.5")
    detect = p.get_by_label("Object detection", exact=True)
    assert detect.input_value() == "off"
    detect.select_option("")  # back to the site's default
    p.get_by_label("Record this camera").uncheck()
    page.screenshot("camera-edit")
    p.get_by_test_id("save-camera").click()
    p.wait_for_url(re.compile(r"/settings/cameras$"))
    p.get_by_test_id("camera-row-door").get_by_text("Front door").wait_for()
    changed = vms.client.get("/api/v1/cameras/door").json()
    assert changed["name"] == "Front door"
    assert changed["retention_max_bytes"] == 2_500_000_000
    assert changed["record"] is False
    assert (changed["detect"], changed["recording_mode"]) == (None, "events")
    assert changed["has_password"] is True
    assert changed["main_url"] == simulator.url(2)
    assert wait_for(lambda: _streaming(vms, "door"), 30), vms.status("door")

    # Remove, after the confirmation.
    p.get_by_test_id("edit-camera-door").click()
    p.get_by_test_id("remove-camera").click()
    assert vms.client.get("/api/v1/cameras/door").status_code == 200
    p.get_by_test_id("remove-camera-yes").click()
    p.wait_for_url(re.compile(r"/settings/cameras$"))
    p.get_by_test_id("camera-row-cam1").wait_for()
    assert p.get_by_test_id("camera-row-door").count() == 0
    assert vms.client.get("/api/v1/cameras/door").status_code == 404
    assert page.console_errors == []


@pytest.mark.slow
def test_a_server_refusal_shows_next_to_the_form(
    settings_vms: SettingsVms, browser_pages: BrowserPages
) -> None:
    page = _admin_page(browser_pages, settings_vms.vms, "/settings/cameras/new")
    p = page.page
    _fill(p, "Id", "cam1")  # taken
    _fill(p, "Main stream URL", settings_vms.simulator.url(2))
    _fill(p, "User name", CAMERA_USER)
    _fill(p, "Password", "not-the-password")
    p.get_by_test_id("probe-button").click()
    failure = p.get_by_test_id("probe-error-main")
    failure.wait_for(timeout=30_000)
    assert "the camera refused the user name or password" in failure.inner_text()
    with p.expect_response(lambda r: r.url.endswith("/api/v1/cameras")) as answer:
        p.get_by_test_id("save-camera").click()
    assert answer.value.status == 409, answer.value.text()
    detail = answer.value.json()["detail"]
    assert p.get_by_test_id("form-error").inner_text() == detail
    page.screenshot("camera-form-refused")
    # What Chromium logs for the two refused requests, and nothing else.
    refused = re.compile(r"console: Failed to load resource: .* status of (409|422) ")
    assert [e for e in page.console_errors if not refused.match(e)] == []


@pytest.mark.slow
def test_a_zone_drawn_on_the_picture_survives_a_reload(
    settings_vms: SettingsVms, browser_pages: BrowserPages
) -> None:
    vms = settings_vms.vms
    page = _admin_page(browser_pages, vms, "/settings/zones/cam1", width=1280, height=900)
    p = page.page
    picture = p.get_by_test_id("zone-snapshot")
    p.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )
    canvas = p.get_by_test_id("zone-canvas")
    box = canvas.bounding_box()
    assert box is not None

    def at(x: float, y: float) -> None:
        p.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])

    p.get_by_test_id("draw-zone").click()
    for x, y in ((0.2, 0.2), (0.6, 0.2), (0.6, 0.7), (0.2, 0.7)):
        at(x, y)
    at(0.2, 0.2)  # the first point again: closes the zone
    name = p.get_by_test_id("shape-name-0")
    name.fill("Porch")
    p.get_by_test_id("draw-line").click()
    at(0.75, 0.1)
    at(0.75, 0.9)
    p.get_by_test_id("shape-name-1").fill("Gate")
    page.screenshot("zones-drawn")
    p.get_by_test_id("save-zones").click()
    p.get_by_test_id("zones-saved").wait_for()

    stored = vms.client.get("/api/v1/cameras/cam1/zones").json()
    assert [(z["name"], z["kind"], len(z["points"])) for z in stored] == [
        ("Porch", "zone", 4),
        ("Gate", "line", 2),
    ]
    corners = np.array(stored[0]["points"])
    expected = np.array([(0.2, 0.2), (0.6, 0.2), (0.6, 0.7), (0.2, 0.7)])
    assert np.abs(corners - expected).max() < 0.01, corners

    p.reload()
    p.get_by_test_id("shape-name-0").wait_for()
    assert p.get_by_test_id("shape-name-0").input_value() == "Porch"
    assert p.get_by_test_id("shape-name-1").input_value() == "Gate"
    assert p.get_by_test_id("shape-0").locator("polygon").count() == 1
    assert p.get_by_test_id("shape-1").locator("line.arrow").count() == 1
    page.screenshot("zones")
    assert page.console_errors == []


@pytest.mark.slow
def test_a_user_added_in_settings_can_sign_in(
    settings_vms: SettingsVms, browser_pages: BrowserPages
) -> None:
    vms = settings_vms.vms
    page = _admin_page(browser_pages, vms, "/settings/users")
    p = page.page
    p.get_by_test_id(f"user-row-{ADMIN}").wait_for()
    form = p.get_by_test_id("add-user-form")
    form.get_by_label("User name").fill("carol")
    form.get_by_label("Password", exact=True).fill("carol-password-1")
    form.get_by_label("Password again").fill("carol-password-1")
    form.get_by_label("Role").select_option("operator")
    form.get_by_test_id("add-user").click()
    p.get_by_test_id("user-row-carol").wait_for()
    assert p.get_by_test_id("user-role-carol").input_value() == "operator"
    assert p.get_by_test_id(f"user-delete-{ADMIN}").count() == 0  # never oneself
    page.screenshot("users")

    carol = browser_pages.new_page(vms.base_url, width=390, height=844)
    _sign_in(carol, "/settings", "carol", "carol-password-1", r"/settings/cameras$")
    c = carol.page
    c.get_by_test_id("settings-tab-account").wait_for()
    assert c.get_by_test_id("settings-tab-users").count() == 0
    assert c.get_by_test_id("settings-tab-zones").count() == 0
    assert c.get_by_test_id("add-camera").count() == 0
    overflow = c.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 390, overflow
    carol.screenshot("cameras-phone-operator")
    c.get_by_test_id("settings-tab-account").click()
    c.get_by_label("Current password").fill("carol-password-1")
    c.get_by_label("New password", exact=True).fill("carol-password-2")
    c.get_by_label("New password again").fill("carol-password-2")
    c.get_by_role("button", name="Change password").click()
    c.get_by_text("Your password is changed.").wait_for()
    carol.screenshot("account-phone")
    answer = c.context.request.post(
        f"{carol.origin}/api/v1/auth/session",
        data={"username": "carol", "password": "carol-password-2"},
    )
    assert answer.ok, answer.text()
    assert page.console_errors == []
    assert carol.console_errors == []


@pytest.mark.slow
def test_the_system_tab_shows_health_and_charts(
    settings_vms: SettingsVms, browser_pages: BrowserPages
) -> None:
    page = _admin_page(browser_pages, settings_vms.vms, "/settings/system", width=1280, height=1100)
    p = page.page
    p.get_by_test_id("system-version").wait_for()
    assert "1 online" in p.get_by_test_id("system-cameras").inner_text()
    meter = p.get_by_role("meter").first
    assert 0 < int(str(meter.get_attribute("aria-valuenow"))) <= 100
    for chart in ("fps", "bitrate", "cpu"):
        p.get_by_test_id(f"chart-{chart}").locator(".uplot canvas").wait_for(
            timeout=CHARTS_TIMEOUT_MS
        )
    fps = p.get_by_test_id("chart-fps")
    assert "cam1 main" in fps.inner_text()
    drawn = fps.locator("canvas").evaluate(
        """(canvas) => {
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
            return new Set(pixels.data).size;
        }"""
    )
    assert drawn > 8, f"the fps chart looks empty ({drawn} distinct channel values)"
    page.screenshot("system")
    assert page.console_errors == []


@pytest.mark.slow
def test_every_tab_fits_a_phone(settings_vms: SettingsVms, browser_pages: BrowserPages) -> None:
    page = _admin_page(browser_pages, settings_vms.vms, "/settings/cameras", width=390, height=844)
    p = page.page
    checks = {
        "cameras": "camera-row-cam1",
        "zones": "zone-canvas",
        "users": f"user-row-{ADMIN}",
        "account": "password-form",
        "system": "system-version",
    }
    for tab, testid in checks.items():
        p.get_by_test_id(f"settings-tab-{tab}").click()
        p.get_by_test_id(testid).first.wait_for()
        width = p.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{tab}: the page is {width} px wide"
        page.screenshot(f"phone-{tab}")
    p.get_by_test_id("settings-tab-cameras").click()
    p.get_by_test_id("add-camera").click()
    p.get_by_test_id("camera-form").wait_for()
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot("phone-camera-form")
    assert page.console_errors == []
