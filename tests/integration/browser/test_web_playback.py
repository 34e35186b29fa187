"""The web client's playback page in Chromium: seek on the timeline, play, change speed, export.

A VMS records a pattern camera (the wall clock burnt into the picture) for about 40 s; the page is
the real built client (web/dist, served by the VMS at `/`). Where the test clicks, it computes the
x of a recorded instant from the timeline's `data-start-ms`/`data-span-ms`, then reads the burnt-in
clock of the frame the <video> shows (drawn to a canvas at its natural size) and compares.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tests.support.browser import BrowserPage, BrowserPages
from tests.support.simulator import free_port, simulator_process
from tests.support.vms_process import ADMIN, VmsProcess, ffprobe_json, wait_for
from vms.media.clockcode import decode_clock

SIM_ARGS = (
    *("--cameras", "1", "--source", "pattern", "--size", "320x240", "--audio", "none"),
    *("--gop-seconds", "1"),  # a keyframe each second: 5 s segments close at 5 s, not at 6 s
)
SEGMENT_S = 5  # short segments: the export and the seek cross boundaries sooner
RECORD_S = 20  # covers the seek (second segment) and the export (2 s to 12 s)
SEEK_TOLERANCE_MS = 1_500  # a click lands on a pixel (~0.3 s at 5 min); plus a frame or two
FOLLOW_TOLERANCE_MS = 1_000  # the cursor vs the burnt-in clock while playing
EXPORT_S = 10  # across two segment boundaries; whole tens (ArrowRight moves 10 s)
UI_TIMEOUT_MS = 30_000


@dataclass(frozen=True, slots=True)
class Frame:
    """What the page shows at one instant: the video's burnt-in clock and the cursor's wall time."""

    clock_ms: int | None
    cursor_ms: int | None
    rate: float
    paused: bool


@pytest.fixture(scope="module")
def recording(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[VmsProcess, list[dict[str, Any]]]]:
    """A VMS that has recorded ~RECORD_S s of cam1 and goes on recording (shared by the module)."""
    port = free_port()
    url = f"rtsp://127.0.0.1:{port}/cam1/main"
    data_dir = tmp_path_factory.mktemp("playback") / "vms"
    vms = VmsProcess(data_dir, [{"id": "cam1", "main_url": url}], segment_duration_s=SEGMENT_S)
    try:
        with simulator_process(*SIM_ARGS, port=port):
            vms.start()  # the camera first: VMS's first try connects, no retry to wait for
            needed = RECORD_S // SEGMENT_S
            recorded = wait_for(lambda: len(vms.recordings("cam1")) >= needed, 120, poll_s=0.2)
            assert recorded, vms.log()
            yield vms, vms.recordings("cam1")
    finally:
        vms.close()


def _open(page: BrowserPage, vms: VmsProcess, path: str) -> None:
    """Sign the page's browser in as the admin, then load `path` of the web client."""
    page.sign_in(ADMIN, vms.admin_password)
    response = page.page.goto(f"{vms.base_url}{path}")
    assert response is not None and response.ok, response and response.status


def _frame(page: BrowserPage, name: str | None = None) -> Frame:
    """The <video>'s picture at its natural size (as PNG), decoded here, with the page's state."""
    data: dict[str, Any] = page.page.evaluate(
        """() => {
          const video = document.querySelector('[data-testid=playback-video]');
          const canvas = document.createElement('canvas');
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          canvas.getContext('2d').drawImage(video, 0, 0);
          const track = document.querySelector('[data-testid=timeline-track]');
          const now = track.getAttribute('aria-valuenow');
          return {
            png: canvas.toDataURL('image/png'), cursor: now === null ? null : Number(now),
            rate: video.playbackRate, paused: video.paused,
          };
        }"""
    )
    png = base64.b64decode(data["png"].split(",", 1)[1])  # "data:," before the first frame
    if name and png:
        page.save_artifact(f"{name}-frame.png", png)
    decoded = (
        cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_GRAYSCALE) if png else None
    )
    clock = None if decoded is None else decode_clock(np.asarray(decoded, dtype=np.uint8))
    return Frame(clock, data["cursor"], float(data["rate"]), bool(data["paused"]))


def _wait_picture(page: BrowserPage, near_ms: int, name: str) -> Frame:
    """The first readable frame within SEEK_TOLERANCE_MS of `near_ms` (the seek may take a bit)."""
    deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
    frame = _frame(page)
    while time.monotonic() < deadline:
        if frame.clock_ms is not None and abs(frame.clock_ms - near_ms) <= SEEK_TOLERANCE_MS:
            return _frame(page, name)
        time.sleep(0.2)
        frame = _frame(page)
    raise AssertionError(f"{name}: the video shows {frame}, wanted a clock near {near_ms}")


def _thumbnail(page: BrowserPage) -> tuple[int, int | None]:
    """The hover card's frame once it is the one for the hovered time: its instant and clock."""
    selector = "[data-testid=timeline-hover] img:not(.stale)"
    page.page.wait_for_function(
        f"(() => {{ const i = document.querySelector('{selector}'); "
        "return i !== null && i.complete && i.naturalWidth > 0; })()",
        timeout=UI_TIMEOUT_MS,
    )
    image = page.page.locator(selector)
    data: dict[str, Any] = image.evaluate(
        """(img) => {
          const canvas = document.createElement('canvas');
          canvas.width = img.naturalWidth;
          canvas.height = img.naturalHeight;
          canvas.getContext('2d').drawImage(img, 0, 0);
          return { at: Number(img.dataset.atMs), png: canvas.toDataURL('image/png') };
        }"""
    )
    png = base64.b64decode(data["png"].split(",", 1)[1])
    page.save_artifact("hover-thumbnail.png", png)
    gray = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    return int(data["at"]), decode_clock(np.asarray(gray, dtype=np.uint8))


def _x_of(page: BrowserPage, at_ms: int) -> tuple[float, float, int]:
    """Page coordinates of `at_ms` on the timeline (rounded to a whole pixel) and the instant that
    pixel stands for."""
    track = page.page.get_by_test_id("timeline-track")
    box = track.bounding_box()
    assert box is not None
    start = int(track.get_attribute("data-start-ms") or 0)
    span = int(track.get_attribute("data-span-ms") or 1)
    assert start <= at_ms <= start + span, (start, span, at_ms)
    x = round(box["x"] + (at_ms - start) / span * box["width"])
    return x, box["y"] + box["height"] / 2, round(start + (x - box["x"]) / box["width"] * span)


def _zoom_to(page: BrowserPage, label: str) -> None:
    span = page.page.get_by_test_id("zoom-span")
    for _ in range(8):
        if span.inner_text() == label:
            return
        page.page.get_by_test_id("zoom-in").click()
    raise AssertionError(f"zoom stopped at {span.inner_text()}, wanted {label}")


def _seek(page: BrowserPage, at_ms: int, name: str) -> Frame:
    x, y, clicked_ms = _x_of(page, at_ms)
    page.page.mouse.click(x, y)
    frame = _wait_picture(page, clicked_ms, name)
    assert frame.cursor_ms is not None and abs(frame.cursor_ms - clicked_ms) <= SEEK_TOLERANCE_MS
    return frame


def _clock_rate(page: BrowserPage, seconds: float) -> float:
    """How fast the burnt-in clock runs against the wall clock while the video plays."""
    first = _frame(page)
    started = time.monotonic()
    time.sleep(seconds)
    second = _frame(page)
    elapsed_ms = (time.monotonic() - started) * 1000
    assert first.clock_ms is not None and second.clock_ms is not None, (first, second)
    return (second.clock_ms - first.clock_ms) / elapsed_ms


@pytest.mark.slow
def test_seek_play_speed_and_export_on_the_playback_page(
    recording: tuple[VmsProcess, list[dict[str, Any]]],
    browser_pages: BrowserPages,
    tmp_path: Path,
) -> None:
    vms, rows = recording
    page = browser_pages.new_page(vms.base_url, width=1280, height=900)
    _open(page, vms, "/playback/cam1")
    page.page.get_by_test_id("timeline-cursor").wait_for(timeout=UI_TIMEOUT_MS)
    _zoom_to(page, "5 min")

    # Seek by clicking the timeline: the picture shows the clicked moment.
    target = rows[1]["start_ms"] + 3_500
    seeked = _seek(page, target, "seeked")
    page.screenshot("playback-seeked")
    assert seeked.paused

    # Hovering a recorded moment shows its time and a frame of it.
    hovered_ms = rows[0]["start_ms"] + 5_000
    x, y, _ = _x_of(page, hovered_ms)
    page.page.mouse.move(x, y)
    thumbnail_at_ms, thumbnail_clock_ms = _thumbnail(page)
    assert abs(thumbnail_at_ms - hovered_ms) <= SEEK_TOLERANCE_MS, (thumbnail_at_ms, hovered_ms)
    assert thumbnail_clock_ms is not None and abs(thumbnail_clock_ms - thumbnail_at_ms) <= 100
    page.screenshot("playback-hover")

    # Play: the cursor follows the burnt-in clock.
    page.page.get_by_test_id("play-toggle").click()
    page.page.wait_for_function(
        "!document.querySelector('[data-testid=playback-video]').paused", timeout=UI_TIMEOUT_MS
    )
    assert seeked.clock_ms is not None
    seeked_ms = seeked.clock_ms

    def played_a_second() -> bool:
        clock_ms = _frame(page).clock_ms
        return clock_ms is not None and clock_ms >= seeked_ms + 1_000

    assert wait_for(played_a_second, UI_TIMEOUT_MS / 1000), _frame(page)
    playing = _frame(page, "playing")
    assert playing.clock_ms is not None and playing.cursor_ms is not None, playing
    assert playing.clock_ms > seeked.clock_ms
    assert abs(playing.clock_ms - playing.cursor_ms) <= FOLLOW_TOLERANCE_MS, playing

    # Speed 2x: the picture's clock runs twice as fast as the wall clock.
    page.page.get_by_test_id("speed").select_option("2")
    page.page.wait_for_function(
        "document.querySelector('[data-testid=playback-video]').playbackRate === 2"
    )
    rate = _clock_rate(page, 3.0)
    page.screenshot("playback-2x")
    assert 1.6 <= rate <= 2.4, rate
    page.page.get_by_test_id("play-toggle").click()  # pause

    # Export [start, start + EXPORT_S) set with [ and ] at the cursor, then download it.
    start_ms = rows[0]["start_ms"] + 2_000
    start = _seek(page, start_ms, "export-start")
    page.page.keyboard.press("[")
    for _ in range(EXPORT_S // 10):
        page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press("]")
    page.page.get_by_test_id("export-button").click()
    link = page.page.get_by_test_id("export-download")
    link.wait_for(timeout=60_000)
    link.scroll_into_view_if_needed()
    page.screenshot("playback-exported")
    with page.page.expect_download() as info:
        link.click()
    video = tmp_path / "export.mp4"
    info.value.save_as(video)
    probe = ffprobe_json(video)
    streams = [s for s in probe["streams"] if s["codec_type"] == "video"]
    assert streams and streams[0]["codec_name"] == "h264", probe
    duration_s = float(probe["format"]["duration"])
    assert EXPORT_S - 0.5 <= duration_s <= EXPORT_S + 1.5, (duration_s, start)
    with page.page.expect_download() as manifest_info:
        page.page.get_by_test_id("export-manifest").click()
    manifest = json.loads(Path(manifest_info.value.path()).read_text())
    assert "signature" in manifest, manifest

    assert page.console_errors == []


@pytest.mark.slow
def test_the_playback_page_fits_a_phone_and_shows_server_errors(
    recording: tuple[VmsProcess, list[dict[str, Any]]], browser_pages: BrowserPages
) -> None:
    vms, rows = recording
    page = browser_pages.new_page(vms.base_url, width=390, height=844)
    _open(page, vms, "/playback")
    page.page.get_by_test_id("timeline-cursor").wait_for(timeout=UI_TIMEOUT_MS)
    assert page.page.get_by_test_id("camera-picker").input_value() == "cam1"
    overflow = page.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the phone"
    page.page.get_by_test_id("shortcuts-button").click()
    assert "Play / pause" in page.page.get_by_test_id("shortcuts").inner_text()
    page.screenshot("playback-phone")
    page.page.keyboard.press("Escape")
    assert page.page.get_by_test_id("shortcuts").count() == 0

    # An export range with nothing recorded: the server's words are shown.
    before = rows[0]["start_ms"] - 3_600_000
    for name, ms in (("export-start", before), ("export-end", before + 60_000)):
        local = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(ms / 1000))
        page.page.get_by_test_id(name).fill(local)
    page.page.get_by_test_id("export-button").click()
    error = page.page.get_by_test_id("export-error")
    error.wait_for(timeout=UI_TIMEOUT_MS)
    assert "no recording" in error.inner_text(), error.inner_text()
    page.screenshot("playback-export-error")
    refused = [e for e in page.console_errors if "status of 404" in e and "/exports" in e]
    assert page.console_errors == refused, page.console_errors  # only the refused POST itself
