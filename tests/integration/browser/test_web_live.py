"""The web client's live pages in Chromium: the grid plays every camera's sub stream, the layout
choice survives a reload, a tile opens its main stream full screen, and a tile whose camera goes
away says so and plays again when the camera returns.

One VMS process serves, for the module, four simulated pattern cameras with main and sub streams
(the wall clock burnt into the picture, read back from a canvas capture of each <video>): cam1-3
from one simulator (cam1 recorded, for the recording mark) and `flaky` from its own, which the
recovery test stops and starts again on the same port. The pages are the built web client
(web/dist, `make web`) as the VMS serves it, signed in as the first admin.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator

from tests.support.browser import BrowserPage, BrowserPages, Gray, assert_not_blank
from tests.support.live import has_keyframe
from tests.support.load import allowance_ms
from tests.support.simulator import RestartableSimulator, simulator_process
from tests.support.vms_process import ADMIN, ADMIN_PASSWORD, VmsProcess, wait_for
from vms.media.clockcode import decode_clock

SIM_ARGS = ("--size", "320x240", "--audio", "none", "--gop-seconds", "1")
MAIN_SIZE = (320, 240)
SUB_SIZE = (160, 120)  # the simulator's sub stream is half the main one
CAMERAS = ("cam1", "cam2", "cam3", "flaky")
DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
PLAY_TIMEOUT_MS = 20_000
AWAY_TIMEOUT_MS = 20_000  # the VMS notices at once; the tile polls the status every 3 s
BACK_TIMEOUT_S = 40.0  # the VMS reconnects with backoff (0.5, 1, 2, 4 s...), then the tile
# What Chromium logs while a camera is away: refused requests and sockets, nothing else.
OUTAGE_ERRORS = re.compile(
    r"console: (Failed to load resource: the server responded with a status of (404|503)"
    r"|WebSocket connection to '[^']*/live\.mp4[^']*' failed: .*)"
)


@dataclass(frozen=True, slots=True)
class WebLive:
    vms: VmsProcess
    flaky: RestartableSimulator


def _all_streaming(vms: VmsProcess) -> bool:
    return all(
        vms.stream_state(camera, stream)["state"] == "streaming"
        for camera in CAMERAS
        for stream in ("main", "sub")
    )


@pytest.fixture(scope="module")
def web_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebLive]:
    assert (DIST / "index.html").is_file(), "web/dist is missing: run `make web`"
    flaky = RestartableSimulator(*SIM_ARGS)
    with simulator_process("--cameras", "3", *SIM_ARGS) as steady, ExitStack() as cleanup:
        flaky.start()
        cleanup.callback(flaky.stop)
        cameras: list[dict[str, Any]] = [
            {
                "id": f"cam{n}",
                "name": f"Camera {n}",
                "main_url": steady.url(n),
                "sub_url": steady.url(n, "sub"),
                "record": n == 1,
            }
            for n in (1, 2, 3)
        ]
        cameras.append(
            {
                "id": "flaky",
                "main_url": flaky.url(1, "main"),
                "sub_url": flaky.url(1, "sub"),
                "record": False,
            }
        )
        vms = VmsProcess(tmp_path_factory.mktemp("web-live") / "vms", cameras)
        cleanup.callback(vms.close)
        vms.start()
        assert wait_for(lambda: _all_streaming(vms), 60), vms.log()[-3000:]
        # a keyframe in every hub's cache, so that each player starts at once
        assert wait_for(
            lambda: all(has_keyframe(vms, c, s) for c in CAMERAS for s in ("main", "sub")), 30
        )
        yield WebLive(vms, flaky)


# -- the web client ----------------------------------------------------------------------------


def _signed_in(
    pages: BrowserPages, vms: VmsProcess, width: int = 1280, height: int = 800
) -> BrowserPage:
    """A page of the web client, signed in as the first admin, on the live grid."""
    page = pages.new_page(vms.base_url, width=width, height=height)
    page.sign_in_with_form("/live", ADMIN, ADMIN_PASSWORD, r"/live$")
    page.page.get_by_test_id("live-grid").wait_for()
    return page


def _choose_layout(page: BrowserPage, layout: int) -> None:
    """Click a layout button; waits for the preferences to be saved."""
    button = page.page.get_by_test_id(f"layout-{layout}")
    if button.get_attribute("aria-pressed") == "true":
        return
    with page.page.expect_response(
        lambda r: r.url.endswith("/api/v1/auth/preferences") and r.request.method == "PUT"
    ) as saved:
        button.click()
    assert saved.value.status == 200, saved.value.text()
    page.page.wait_for_selector(f"[data-testid=live-grid][data-layout='{layout}']")


def _webrtc_viewers(vms: VmsProcess, stream: str) -> float:
    """`vms_live_viewers` over WebRTC of every camera's `stream`: the open WHEP sessions."""
    total = 0.0
    for line in vms.client.get("/metrics").text.splitlines():
        if line.startswith("vms_live_viewers{"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
            if labels.get("protocol") == "webrtc" and labels.get("stream") == stream:
                total += float(line.rsplit(" ", 1)[1])
    return total


def _tile(page: BrowserPage, camera: str) -> Locator:
    return page.page.locator(f"[data-testid=live-tile][data-camera='{camera}']")


def _wait_playing(video: Locator, timeout_ms: int = PLAY_TIMEOUT_MS) -> None:
    video.page.wait_for_function(
        "(v) => v.dataset.phase === 'playing' && v.currentTime > 0",
        arg=video.element_handle(),
        timeout=timeout_ms,
    )


# -- frames --------------------------------------------------------------------------------------


_SAMPLE_JS = """(video) => {
    const width = video.videoWidth, height = video.videoHeight;
    if (!width || !height) return null;
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(video, 0, 0);
    return {png: canvas.toDataURL("image/png"), time: video.currentTime, now: Date.now(),
            width, height, protocol: video.dataset.protocol, stream: video.dataset.stream};
}"""


@dataclass(frozen=True, slots=True)
class Frame:
    """A <video>'s picture drawn on a canvas, its currentTime and the burnt-in clock."""

    now_ms: int
    time_s: float
    size: tuple[int, int]
    protocol: str
    stream: str
    clock_ms: int | None
    gray: Gray


def _frame(page: BrowserPage, video: Locator, name: str) -> Frame | None:
    sample: dict[str, Any] | None = video.evaluate(_SAMPLE_JS)
    if sample is None or not sample["png"].startswith("data:image/png"):
        return None
    gray = page.canvas_picture(sample["png"], f"{name}.png")
    return Frame(
        round(sample["now"]),
        float(sample["time"]),
        (int(sample["width"]), int(sample["height"])),
        str(sample["protocol"]),
        str(sample["stream"]),
        decode_clock(gray),
        gray,
    )


def _assert_picture(frame: Frame | None, name: str, size: tuple[int, int]) -> Frame:
    """A real picture of the camera: its size, not blank, and a readable clock."""
    assert frame is not None, f"{name}: no picture in the <video>"
    assert frame.size == size, f"{name}: {frame.size}, expected {size}"
    assert_not_blank(frame.gray, name)
    assert frame.clock_ms is not None, f"{name}: the burnt-in clock does not read"
    return frame


def _assert_plays(page: BrowserPage, video: Locator, name: str, size: tuple[int, int]) -> Frame:
    """Two pictures at least 1.2 s of playing time apart: both real, and the camera's clock moved
    on by more than 0.8 s (a frozen picture's would not)."""
    first = _assert_picture(_frame(page, video, f"{name}-a"), name, size)
    assert first.clock_ms is not None
    deadline = time.monotonic() + allowance_ms(10_000) / 1000
    wait_s, second = 1.2, first
    # A live WebRTC element's currentTime runs with the wall clock, so on a loaded machine the
    # picture may lag it: look again, later, until the clock moved on (a frozen one never does).
    while second.clock_ms is None or second.clock_ms - first.clock_ms <= 800:
        assert time.monotonic() < deadline, (name, first.clock_ms, second.clock_ms)
        page.page.wait_for_function(
            "([v, t]) => v.currentTime >= t", arg=[video.element_handle(), first.time_s + wait_s]
        )
        second = _assert_picture(_frame(page, video, f"{name}-b"), name, size)
        wait_s += 0.5
    delay_ms = second.now_ms - second.clock_ms
    print(f"\n{name}: {second.protocol} {second.stream} {size}, clock delay {delay_ms} ms")
    return second


# -- tests -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_grid_plays_every_cameras_sub_stream(
    web_live: WebLive, browser_pages: BrowserPages
) -> None:
    page = _signed_in(browser_pages, web_live.vms)
    _choose_layout(page, 4)
    tiles = page.page.get_by_test_id("live-tile")
    assert tiles.count() == 4
    assert [t.get_attribute("data-camera") for t in tiles.all()] == list(CAMERAS)
    for camera in CAMERAS:
        video = _tile(page, camera).get_by_test_id("live-video")
        _wait_playing(video)
        frame = _assert_plays(page, video, f"grid-{camera}", SUB_SIZE)
        assert (frame.protocol, frame.stream) == ("webrtc", "sub")
    for camera in CAMERAS:
        health = _tile(page, camera).get_by_test_id("camera-health")
        assert health.get_attribute("data-health") == "online", camera
    assert _tile(page, "cam1").get_by_test_id("camera-recording").inner_text() == "REC"
    assert _tile(page, "cam2").get_by_test_id("camera-recording").count() == 0
    page.screenshot("grid")
    assert page.console_errors == []


@pytest.mark.slow
def test_the_layout_choice_survives_a_reload(
    web_live: WebLive, browser_pages: BrowserPages
) -> None:
    page = _signed_in(browser_pages, web_live.vms)
    _choose_layout(page, 9)
    page.page.reload()
    page.page.wait_for_selector("[data-testid=live-grid][data-layout='9']")
    assert page.page.get_by_test_id("layout-9").get_attribute("aria-pressed") == "true"
    assert page.page.get_by_test_id("live-tile").count() == 4

    _choose_layout(page, 1)  # one camera a page: four pages
    assert page.page.get_by_test_id("page-label").inner_text() == "Page 1 of 4"
    with page.page.expect_response(lambda r: r.url.endswith("/api/v1/auth/preferences")):
        page.page.get_by_test_id("page-next").click()
    page.page.reload()
    page.page.wait_for_selector("[data-testid=live-grid][data-layout='1']")
    assert page.page.get_by_test_id("page-label").inner_text() == "Page 2 of 4"
    tile = page.page.get_by_test_id("live-tile")
    assert [t.get_attribute("data-camera") for t in tile.all()] == ["cam2"]
    _wait_playing(tile.get_by_test_id("live-video"))
    page.screenshot("grid-one")
    assert page.console_errors == []


@pytest.mark.slow
def test_a_phone_shows_the_grid_in_two_columns(
    web_live: WebLive, browser_pages: BrowserPages
) -> None:
    page = _signed_in(browser_pages, web_live.vms, width=390, height=844)
    _choose_layout(page, 16)
    videos = page.page.get_by_test_id("live-video")
    assert videos.count() == 4
    for index in range(4):
        _wait_playing(videos.nth(index))
    boxes = [videos.nth(i).bounding_box() for i in range(4)]
    assert all(
        box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 for box in boxes
    )
    assert len({round(box["x"]) for box in boxes if box is not None}) == 2, boxes
    overflow = page.page.evaluate("document.scrollingElement.scrollWidth")
    assert overflow <= 390, overflow
    page.screenshot("grid-phone")
    assert page.console_errors == []


@pytest.mark.slow
def test_a_tile_opens_the_main_stream_full_screen(
    web_live: WebLive, browser_pages: BrowserPages
) -> None:
    vms = web_live.vms
    # Pages the earlier tests closed without a goodbye: their sessions end when the peer has been
    # silent for live.webrtc.session_timeout_s (30 s), which this also checks.
    assert wait_for(lambda: _webrtc_viewers(vms, "sub") == 0, 45)
    page = _signed_in(browser_pages, vms)
    _choose_layout(page, 4)
    for camera in CAMERAS:
        _wait_playing(_tile(page, camera).get_by_test_id("live-video"))
    assert _webrtc_viewers(vms, "sub") == 4
    _tile(page, "cam2").click()
    page.page.wait_for_url(re.compile(r"/live/cam2$"))
    view = page.page.get_by_test_id("live-camera")
    video = view.get_by_test_id("live-video")
    _wait_playing(video)
    frame = _assert_plays(page, video, "full-screen-cam2", MAIN_SIZE)
    assert (frame.protocol, frame.stream) == ("webrtc", "main")
    assert view.get_by_test_id("to-playback").get_attribute("href") == "/playback/cam2"
    assert page.page.get_by_test_id("live-grid").count() == 0
    assert wait_for(lambda: _webrtc_viewers(vms, "sub") == 0, 5)  # the grid's sessions DELETEd
    assert _webrtc_viewers(vms, "main") == 1
    page.screenshot("full-screen")

    page.page.keyboard.press("Escape")
    page.page.wait_for_url(re.compile(r"/live$"))
    page.page.get_by_test_id("live-grid").wait_for()
    assert wait_for(lambda: _webrtc_viewers(vms, "main") == 0, 5)
    assert page.console_errors == []


@pytest.mark.slow
def test_a_tile_whose_camera_goes_away_says_so_and_plays_when_it_returns(
    web_live: WebLive, browser_pages: BrowserPages
) -> None:
    vms, flaky = web_live.vms, web_live.flaky
    assert wait_for(lambda: _all_streaming(vms), 30), vms.log()[-3000:]
    page = _signed_in(browser_pages, vms)
    _choose_layout(page, 4)
    tile = _tile(page, "flaky")
    video = tile.get_by_test_id("live-video")
    _wait_playing(video)
    _assert_picture(_frame(page, video, "flaky-before"), "flaky-before", SUB_SIZE)

    flaky.stop()
    page.page.wait_for_function(
        "(t) => ['reconnecting', 'offline'].includes(t.dataset.health)",
        arg=tile.element_handle(),
        timeout=AWAY_TIMEOUT_MS,
    )
    page.page.wait_for_function(
        "(v) => v.dataset.phase !== 'playing'", arg=video.element_handle(), timeout=AWAY_TIMEOUT_MS
    )
    assert tile.get_by_test_id("camera-reason").inner_text() != ""
    page.screenshot("camera-away")
    back_ms = time.time() * 1000
    flaky.start()

    deadline = time.monotonic() + BACK_TIMEOUT_S
    frame: Frame | None = None
    while time.monotonic() < deadline:
        frame = _frame(page, video, "flaky-after")
        if frame is not None and frame.clock_ms is not None and frame.clock_ms > back_ms:
            break
        page.page.wait_for_timeout(200)
    assert frame is not None and frame.clock_ms is not None and frame.clock_ms > back_ms, (
        "no picture from after the camera came back",
        video.get_attribute("data-phase"),
    )
    _assert_plays(page, video, "flaky-after", SUB_SIZE)
    page.page.wait_for_function(
        "(t) => t.dataset.health === 'online'", arg=tile.element_handle(), timeout=10_000
    )
    page.screenshot("camera-back")
    unexpected = [e for e in page.console_errors if not OUTAGE_ERRORS.match(e)]
    assert unexpected == []


def _refuse_whep(page: BrowserPage) -> None:
    """WHEP answers 409, as it does for an H.265 camera."""
    problem = {"title": "Conflict", "status": 409, "detail": "H.265 cannot be sent over WebRTC"}
    page.page.route(
        re.compile(r".*/api/v1/cameras/[^/]+/whep\?.*"),
        lambda route: route.fulfill(
            status=409, content_type="application/problem+json", body=json.dumps(problem)
        ),
    )


def _break_mse(page: BrowserPage) -> None:
    """The live.mp4 WebSocket opens and is closed at once with an internal error."""
    page.page.route_web_socket(
        re.compile(r".*/live\.mp4\?.*"), lambda ws: ws.close(code=1011, reason="broken")
    )


@pytest.mark.slow
@pytest.mark.parametrize("expected", ["mse", "hls"])
def test_a_camera_that_webrtc_cannot_carry_plays_over_mse_or_llhls(
    web_live: WebLive, browser_pages: BrowserPages, expected: str
) -> None:
    page = _signed_in(browser_pages, web_live.vms)
    _refuse_whep(page)
    if expected == "hls":
        _break_mse(page)
    page.page.goto(f"{page.origin}/live/cam3")
    video = page.page.get_by_test_id("live-camera").get_by_test_id("live-video")
    _wait_playing(video)
    frame = _assert_plays(page, video, f"fallback-{expected}", MAIN_SIZE)
    assert (frame.protocol, frame.stream) == (expected, "main")
    page.screenshot(f"fallback-{expected}")
    refused = re.compile(
        r"console: Failed to load resource: the server responded with a status of 409 .*/whep\?"
    )
    assert [e for e in page.console_errors if not refused.match(e)] == []
