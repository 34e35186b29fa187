"""The web client plays a camera whose H.264 has B-frames: WHEP refuses it (409, WebRTC cannot
carry reordered pictures to browsers), and the tile falls back to MSE by itself and plays.

The camera is the independent GStreamer one (x264 with 2 B-frames), read by VMS's own RTSP
client over TCP; Chromium plays the built web client (web/dist) signed in as the first admin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator

from tests.integration.browser.test_web_live import _signed_in, _tile, _wait_playing
from tests.support.browser import BrowserPages, assert_not_blank
from tests.support.gst import GstCamera, gst_available
from tests.support.vms_process import VmsProcess, wait_for

DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
# What Chromium logs for the refused WHEP offer, and nothing else is allowed.
REFUSED_WHEP = re.compile(r"console: Failed to load resource: .* status of 409")


@pytest.fixture(scope="module")
def bframes_vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    assert (DIST / "index.html").is_file(), "web/dist is missing: run `make web`"
    if not gst_available():
        pytest.skip("GStreamer RTSP server (system python3-gi) is not installed")
    camera = GstCamera(bframes=2)
    camera.start()
    cameras = [{"id": "bcam", "main_url": camera.url("h264"), "record": False}]
    vms = VmsProcess(tmp_path_factory.mktemp("web-bframes") / "vms", cameras)
    try:
        vms.start()
        assert wait_for(lambda: vms.stream_state("bcam")["state"] == "streaming", 60), vms.log()
        yield vms
    finally:
        vms.close()
        camera.stop()


@pytest.mark.slow
def test_a_bframe_camera_plays_over_mse(
    bframes_vms: VmsProcess, browser_pages: BrowserPages
) -> None:
    page = _signed_in(browser_pages, bframes_vms)
    video = _tile(page, "bcam").get_by_test_id("live-video")
    _wait_playing(video)
    assert video.get_attribute("data-protocol") in ("mse", "hls")
    first = _played(video)
    picture = video.evaluate(
        """(v) => { const c = document.createElement('canvas');
        c.width = v.videoWidth; c.height = v.videoHeight;
        c.getContext('2d').drawImage(v, 0, 0); return c.toDataURL('image/png'); }"""
    )
    assert_not_blank(page.canvas_picture(str(picture), "bframes.png"), "bframes")
    page.page.wait_for_function(
        "([v, t]) => v.currentTime > t + 1", arg=[video.element_handle(), first[0]], timeout=20_000
    )
    last = _played(video)
    # Every frame of the media time played reached the browser, shown or dropped: 25 fps, less a
    # few at the edges. Dropped frames alone are the compositor's business (a loaded machine
    # drops many); half of them dropped means timestamps the browser cannot schedule.
    media_s = last[0] - first[0]
    frames = last[1] - first[1]
    assert frames >= 25 * media_s * 0.8, (frames, media_s)
    dropped = last[2] - first[2]
    assert dropped <= frames // 2, (dropped, frames)
    page.screenshot("bframes")
    assert [e for e in page.console_errors if not REFUSED_WHEP.search(e)] == []


def _played(video: Locator) -> tuple[float, int, int]:
    """The element's media time, and the frames it has shown or dropped, and dropped so far."""
    state = video.evaluate(
        """(v) => { const q = v.getVideoPlaybackQuality();
        return [v.currentTime, q.totalVideoFrames, q.droppedVideoFrames]; }"""
    )
    return float(state[0]), int(state[1]), int(state[2])
