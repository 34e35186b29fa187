"""The web client's rule editor in Chromium, against a real VMS and a simulated camera: a line drawn
on the camera's picture shows its sides A and B, its direction is swapped with a button, and a
line-crossing rule made on it in the Rules tab is stored (as the API reads it back) and found again
after a reload. A rule the server refuses shows the refusal on the rule, and the page fits a
phone. Screenshots of the line and the rules are kept in the test artifacts.

The pages are the built web client (web/dist, `make web`) as the VMS serves it, signed in as the
first admin.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Route

from tests.support.browser import BrowserPage, BrowserPages
from tests.support.live import has_keyframe
from tests.support.simulator import simulator_process
from tests.support.vms_process import ADMIN, ADMIN_PASSWORD, VmsProcess, wait_for

DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
SIM_ARGS = ("--cameras", "1", "--size", "640x360", "--gop-seconds", "1")


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    assert (DIST / "index.html").is_file(), "web/dist is missing: run `make web`"
    with simulator_process(*SIM_ARGS) as simulator:
        camera = {
            "id": "cam1",
            "name": "Gate camera",
            "main_url": simulator.url(1),
            "record": False,
        }
        process = VmsProcess(tmp_path_factory.mktemp("web-rules") / "vms", [camera])
        process.start()
        try:
            assert wait_for(lambda: has_keyframe(process, "cam1"), 30), process.log()[-3000:]
            yield process
        finally:
            process.close()


def _admin_page(pages: BrowserPages, vms: VmsProcess, path: str) -> BrowserPage:
    page = pages.new_page(vms.base_url, width=1280, height=900)
    page.sign_in_with_form(path, ADMIN, ADMIN_PASSWORD, re.escape(path) + "$")
    return page


def _side_y(page: BrowserPage, side: str) -> float:
    label = page.page.get_by_test_id("shape-0").locator(f'text[data-side="{side}"]')
    return float(label.get_attribute("y") or "nan")


@pytest.mark.slow
def test_a_line_crossing_rule_is_made_on_a_drawn_line_and_survives_a_reload(
    vms: VmsProcess, browser_pages: BrowserPages
) -> None:
    page = _admin_page(browser_pages, vms, "/settings/zones/cam1")
    p = page.page
    picture = p.get_by_test_id("zone-snapshot")
    p.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )
    box = p.get_by_test_id("zone-canvas").bounding_box()
    assert box is not None
    p.get_by_test_id("draw-line").click()
    for x, y in ((0.2, 0.5), (0.8, 0.5)):  # left to right: A, the walker's left, is above
        p.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])
    p.get_by_test_id("shape-name-0").fill("Gate")
    assert _side_y(page, "a") < _side_y(page, "b")
    p.get_by_test_id("reverse-line-0").click()
    assert _side_y(page, "a") > _side_y(page, "b")
    page.screenshot("line-sides")
    p.get_by_test_id("save-zones").click()
    p.get_by_test_id("zones-saved").wait_for()
    [line] = vms.client.get("/api/v1/cameras/cam1/zones").json()
    assert (line["name"], line["kind"]) == ("Gate", "line")
    assert line["points"][0][0] > line["points"][1][0]  # swapped: now drawn right to left

    p.get_by_test_id("settings-tab-rules").click()
    p.wait_for_url(re.compile(r"/settings/rules/cam1$"))
    p.get_by_test_id("rules-timezone").wait_for()
    p.get_by_test_id("new-rule-kind").select_option("line")
    p.get_by_test_id("add-rule").click()
    assert p.get_by_test_id("rule-0-target").input_value() == "Gate"
    p.get_by_test_id("rule-0-name").fill("Gate in")
    p.get_by_test_id("rule-0-direction").select_option("a_to_b")
    p.get_by_test_id("rule-0-labels").fill("person")
    p.get_by_test_id("rule-0-min_score").fill("40")
    p.get_by_test_id("save-rules").click()
    p.get_by_test_id("rules-saved").wait_for()

    stored = vms.client.get("/api/v1/cameras/cam1/rules").json()
    assert stored["issues"] == []
    [rule] = stored["rules"]
    assert {k: rule[k] for k in ("kind", "name", "line", "direction", "labels")} == {
        "kind": "line",
        "name": "Gate in",
        "line": "Gate",
        "direction": "a_to_b",
        "labels": ["person"],
    }
    assert rule["min_score"] == pytest.approx(0.4)

    p.reload()
    p.get_by_test_id("rule-0-name").wait_for()
    assert p.get_by_test_id("rule-0-name").input_value() == "Gate in"
    assert p.get_by_test_id("rule-0-target").input_value() == "Gate"
    assert p.get_by_test_id("rule-0-direction").input_value() == "a_to_b"
    assert p.get_by_test_id("rule-0-min_score").input_value() == "40"
    page.screenshot("rule")
    assert page.console_errors == []


@pytest.mark.slow
def test_a_rule_the_server_refuses_shows_why_on_the_rule(
    vms: VmsProcess, browser_pages: BrowserPages
) -> None:
    lobby = {"name": "Lobby", "kind": "zone", "points": [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]}
    assert vms.client.put("/api/v1/cameras/cam1/rules", json={"rules": []}).status_code == 200
    assert vms.client.put("/api/v1/cameras/cam1/zones", json=[lobby]).status_code == 200
    page = _admin_page(browser_pages, vms, "/settings/rules/cam1")
    p = page.page
    p.get_by_test_id("add-rule").wait_for()
    p.get_by_test_id("new-rule-kind").select_option("count")
    p.get_by_test_id("add-rule").click()
    assert p.get_by_test_id("rule-0-target").input_value() == "Lobby"
    p.get_by_test_id("rule-0-above").fill("5000")
    p.get_by_test_id("save-rules").click()
    # The client's own check names the field before anything is sent.
    assert "0 to 1000" in p.get_by_test_id("rule-0-above-error").inner_text()
    p.get_by_test_id("rule-0-above").fill("2")
    # The zone goes behind the page's back: only the server can tell, and its 422 names the field.
    assert vms.client.put("/api/v1/cameras/cam1/zones", json=[]).status_code == 200
    p.get_by_test_id("save-rules").click()
    error = p.get_by_test_id("rule-0-zone-error")
    error.wait_for()
    assert "Lobby" in error.inner_text()
    assert vms.client.get("/api/v1/cameras/cam1/rules").json()["rules"] == []
    page.screenshot("rule-refused")
    p.set_viewport_size({"width": 390, "height": 844})  # a phone: the card's fields stack
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the rules page is {width} px wide on a phone"
    page.screenshot("rule-phone")
    refused = re.compile(r"console: Failed to load resource: .* status of 422 ")
    assert [e for e in page.console_errors if not refused.match(e)] == []


# What the detections endpoint answers in the overlay test: one box in the middle of a 640×360
# analysed frame, half its width and height (the route stands in for the server's endpoint).
DETECTIONS = {
    "wall_ms": 0,
    "width": 640,
    "height": 360,
    "objects": [{"label": "person", "score": 0.9, "box": [160, 90, 480, 270], "track_id": 7}],
}
_CONTENT_BOX_JS = """(video) => {
    // The picture's place inside the <video> (object-fit: contain letterboxes it).
    const box = video.getBoundingClientRect();
    const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
    const width = video.videoWidth * scale, height = video.videoHeight * scale;
    const x = box.x + (box.width - width) / 2, y = box.y + (box.height - height) / 2;
    return {x, y, width, height};
}"""


@pytest.mark.slow
def test_the_detections_toggle_draws_boxes_where_the_objects_are_on_the_video(
    vms: VmsProcess, browser_pages: BrowserPages
) -> None:
    page = _admin_page(browser_pages, vms, "/live/cam1")
    p = page.page

    def answer(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(DETECTIONS))

    p.route("**/api/v1/cameras/cam1/detections", answer)
    video = p.get_by_test_id("live-video")
    p.wait_for_function(
        "(v) => v.dataset.phase === 'playing' && v.videoWidth > 0",
        arg=video.element_handle(),
        timeout=30_000,
    )
    p.get_by_test_id("toggle-detections").click()
    box = p.get_by_test_id("detection-box")
    box.wait_for()
    assert box.text_content() == "person #7 90%"
    picture = video.evaluate(_CONTENT_BOX_JS)
    # The overlay redraws at each poll of the detections, so the rect found a moment ago may be
    # a replaced one (no box): wait for one that is on the page when measured.
    drawn = None
    deadline = time.monotonic() + 10
    while drawn is None and time.monotonic() < deadline:
        drawn = box.locator("rect").bounding_box()
    assert drawn is not None
    found = (drawn["x"], drawn["y"], drawn["width"], drawn["height"])
    expected = (
        picture["x"] + picture["width"] / 4,
        picture["y"] + picture["height"] / 4,
        picture["width"] / 2,
        picture["height"] / 2,
    )
    stroke_px = 4  # the bounding box includes the stroke
    assert all(abs(a - b) <= stroke_px for a, b in zip(found, expected, strict=True)), (
        found,
        expected,
    )
    page.screenshot("detections")

    for _ in range(2):  # it keeps asking while the toggle is on
        with p.expect_request("**/api/v1/cameras/cam1/detections"):
            pass
    p.get_by_test_id("toggle-detections").click()
    box.wait_for(state="detached")
    assert page.console_errors == []
