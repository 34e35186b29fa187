"""hls.js in Chromium plays the HLS VOD playlist of a recorded range, across a file boundary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import (
    BrowserPage,
    BrowserPages,
    Gray,
    StaticFile,
    assert_not_blank,
    node_module_file,
)
from tests.support.load import contention
from tests.support.simulator import free_port, simulator_process
from tests.support.vms_process import VmsProcess, wait_for
from vms.media.clockcode import decode_clock

SIM_ARGS = ("--cameras", "1", "--size", "320x240", "--audio", "none", "--gop-seconds", "1")
SEGMENT_S = 5  # the plays below reach 3 s into the first file and 3 s into the second
PAGE = Path(__file__).with_name("vod_player.html")
HLS_JS = "hls.js/dist/hls.js"  # the readable build: stack traces in console errors stay useful
PLAY_TIMEOUT_MS = 30_000
CLOCK_TOLERANCE_MS = 500  # burnt-in clock vs the player's wall time: a frame, plus ingest delay


@dataclass(frozen=True, slots=True)
class Sample:
    """A frame as drawn on a canvas: its media time, hls.js's wall time and the burnt-in clock."""

    time_s: float
    playing_ms: int | None
    clock_ms: int | None
    gray: Gray


def _record_two_files(tmp_path: Path, vms_factory: list[VmsProcess]) -> VmsProcess:
    port = free_port()
    url = f"rtsp://127.0.0.1:{port}/cam1/main"
    vms = VmsProcess(
        tmp_path / "vms", [{"id": "cam1", "main_url": url}], segment_duration_s=SEGMENT_S
    )
    vms_factory.append(vms)
    with simulator_process(*SIM_ARGS, port=port):
        vms.start()  # the camera first: VMS's first try connects, no retry to wait for
        assert wait_for(lambda: len(vms.recordings("cam1")) >= 2, 120, poll_s=0.2), vms.log()
    return vms


def _sample(page: BrowserPage, name: str) -> Sample:
    frame: dict[str, Any] = page.page.evaluate("sampleFrame()")
    gray = page.canvas_picture(frame["png"], f"{name}-frame.png")
    playing = frame["playing_ms"]
    return Sample(
        float(frame["time_s"]),
        None if playing is None else round(playing),
        decode_clock(gray),
        gray,
    )


def _assert_picture(sample: Sample, name: str) -> None:
    """Not blank (black, grey or a frozen fill) and showing the frame hls.js says it shows."""
    assert sample.gray.shape == (240, 320), f"{name}: canvas {sample.gray.shape}"
    assert_not_blank(sample.gray, name)
    assert sample.clock_ms is not None, f"{name}: the burnt-in clock does not read"
    assert sample.playing_ms is not None, f"{name}: hls.js has no playing date"
    assert abs(sample.clock_ms - sample.playing_ms) <= CLOCK_TOLERANCE_MS, sample


def _wait_time_past(page: BrowserPage, time_s: float) -> None:
    page.page.wait_for_function(
        f"document.getElementById('video').currentTime > {time_s}", timeout=PLAY_TIMEOUT_MS
    )


def _state(page: BrowserPage) -> dict[str, Any]:
    state: dict[str, Any] = page.page.evaluate("window.vmsTest")
    return state


@pytest.mark.slow
def test_hlsjs_plays_the_vod_playlist_across_a_file_boundary(
    tmp_path: Path, vms_factory: list[VmsProcess], browser_pages: BrowserPages
) -> None:
    vms = _record_two_files(tmp_path, vms_factory)
    rows = vms.recordings("cam1")
    start_ms, end_ms = rows[0]["start_ms"] + 1_500, rows[1]["end_ms"]
    vod = f"/api/v1/cameras/cam1/vod.m3u8?start={start_ms}&end={end_ms}"
    playlist = vms.client.get(vod)
    assert playlist.status_code == 200, playlist.text
    assert "#EXT-X-DISCONTINUITY" in playlist.text, playlist.text

    page = browser_pages.new_page(f"http://127.0.0.1:{vms.port}")

    page.sign_in(password=vms.admin_password)
    page.save_artifact("vod.m3u8", playlist.content)
    page.serve({"vod_player.html": StaticFile.read(PAGE), "hls.js": node_module_file(HLS_JS)})
    page.open("vod_player.html", src=vod)

    _wait_time_past(page, 3.0)
    first = _sample(page, "first")
    page.screenshot("playing")
    _assert_picture(first, "first")
    offset_s = float(playlist.text.split("TIME-OFFSET=")[1].split(",")[0])
    expected_ms = start_ms + (first.time_s - offset_s) * 1000  # EXT-X-START is the asked start
    assert first.clock_ms is not None
    assert abs(first.clock_ms - expected_ms) <= CLOCK_TOLERANCE_MS, (first, expected_ms)

    runs: list[dict[str, Any]] = page.page.evaluate("discontinuities()")
    assert len(runs) == 2, runs
    boundary_s = float(runs[1]["start_s"])
    seeked_s = float(page.page.evaluate(f"seekTo({boundary_s - 1.5})"))
    assert abs(seeked_s - (boundary_s - 1.5)) < 0.5, (seeked_s, boundary_s)
    before = _sample(page, "before-boundary")
    _assert_picture(before, "before-boundary")
    waiting_before = len(_state(page)["waiting"])

    _wait_time_past(page, boundary_s + 3.0)
    after = _sample(page, "after-boundary")
    page.screenshot("after-boundary")
    _assert_picture(after, "after-boundary")
    assert before.clock_ms is not None and after.clock_ms is not None
    assert after.clock_ms >= rows[1]["start_ms"], (after, rows[1])
    media_advance_ms = (after.time_s - before.time_s) * 1000
    assert abs((after.clock_ms - before.clock_ms) - media_advance_ms) <= CLOCK_TOLERANCE_MS

    ranges: list[list[float]] = page.page.evaluate("bufferedRanges()")
    assert any(s <= before.time_s and after.time_s <= e for s, e in ranges), ranges  # no hole
    state = _state(page)
    assert state["hlsErrors"] == []  # no stall, nudge, hole skipped or load retried
    # Never ran out of data on a quiet machine; a loaded one (Chromium, hls.js and VMS all waiting
    # for a core) may stall up to a second per unit of contention beyond a free core.
    stalls = state["waiting"][waiting_before:]
    stalled_ms = sum(s["ms"] if s["ms"] is not None else float("inf") for s in stalls)
    assert stalled_ms <= 1000 * (contention() - 1), stalls
    assert page.console_errors == []
