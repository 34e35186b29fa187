"""Live view in Chromium: WHEP, MSE over a WebSocket and LL-HLS (hls.js) play a simulated camera,
and a tile whose camera goes away and comes back plays again.

One VMS process serves, for the module, `steady` and `flaky`: two pattern cameras with the wall
clock burnt in (read back from a canvas capture of the <video>). The recovery tests stop `flaky`'s
simulator and start it again on the same port. The page is live_player.html, whose players
(live_players.js) are the model for the web client's live tiles. First-frame times and delays are
printed (run with `-s` to see them).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Request

from tests.support.browser import (
    WEBRTC_REAL_HOST_CANDIDATES,
    BrowserPage,
    BrowserPages,
    Gray,
    StaticFile,
    assert_not_blank,
    node_module_file,
)
from tests.support.live import has_keyframe
from tests.support.load import allowance_ms, contention
from tests.support.simulator import RestartableSimulator, simulator_process
from tests.support.vms_process import VmsProcess, wait_for
from vms.media.clockcode import decode_clock

FPS = 25  # the simulator's default
SIM_ARGS = ("--size", "320x240", "--audio", "none", "--gop-seconds", "1")
HERE = Path(__file__).parent
HLS_JS = "hls.js/dist/hls.js"
PROTOCOL = {"whep": "webrtc", "mse": "mse", "hls": "llhls"}  # page kind -> metrics label
FIRST_FRAME_LIMIT_MS = 5_000  # from the page's start to its first frame; typically 0.1-1.3 s
MAX_DELAY_MS = {"whep": 1_000, "mse": 2_000, "hls": 3_000}  # burnt-in clock vs the page's now
# After a stall hls.js raises its target latency by 1 s per stall, up to one target duration (2 s).
STALLED_SLACK_MS = {"whep": 0, "mse": 0, "hls": 2_000}
PLAY_TIMEOUT_MS = 20_000
OUTAGE_S = 4.0  # longer than the players' stall limit (2.5 s): the loss is always noticed
RECOVERY_TIMEOUT_S = 40.0  # the VMS reconnects with backoff (0.5, 1, 2, 4 s...), then the player
# What Chromium logs while a camera is away: refused requests and sockets, nothing else.
OUTAGE_ERRORS = re.compile(
    r"console: (Failed to load resource: the server responded with a status of (404|503)"
    r"|WebSocket connection to '[^']*/live\.mp4[^']*' failed: Error during WebSocket handshake: "
    r"Unexpected response code: 503)"
)


@dataclass(frozen=True, slots=True)
class LiveVms:
    vms: VmsProcess
    flaky: RestartableSimulator


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveVms]:
    flaky = RestartableSimulator(*SIM_ARGS)
    with simulator_process(*SIM_ARGS) as steady, ExitStack() as cleanup:
        flaky.start()
        cleanup.callback(flaky.stop)
        cameras = [
            {"id": "steady", "main_url": steady.url(1), "record": False},
            {"id": "flaky", "main_url": flaky.url(1), "record": False},
        ]
        vms = VmsProcess(tmp_path_factory.mktemp("live-browser") / "vms", cameras)
        cleanup.callback(vms.close)
        vms.start()
        both = wait_for(lambda: _streaming(vms, "steady") and _streaming(vms, "flaky"), 30)
        assert both, vms.log()[-3000:]
        # a keyframe in both hubs' caches, so that each player starts at once
        assert wait_for(lambda: has_keyframe(vms, "steady") and has_keyframe(vms, "flaky"), 30)
        yield LiveVms(vms, flaky)


def _streaming(vms: VmsProcess, camera: str) -> bool:
    return bool(vms.stream_state(camera)["state"] == "streaming")


def _viewers(vms: VmsProcess, camera: str, kind: str) -> float:
    """`vms_live_viewers` of the camera's main stream for a page kind's protocol."""
    wanted = {"camera": camera, "protocol": PROTOCOL[kind], "stream": "main"}
    for line in vms.client.get("/metrics").text.splitlines():
        if line.startswith("vms_live_viewers{"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
            if labels == wanted:
                return float(line.rsplit(" ", 1)[1])
    return 0.0


@dataclass(frozen=True, slots=True)
class Sample:
    """A frame drawn on the page's canvas, the page's wall time then and the burnt-in clock."""

    now_ms: int
    time_s: float
    frames: int
    clock_ms: int | None
    gray: Gray

    @property
    def delay_ms(self) -> int:
        assert self.clock_ms is not None, "the burnt-in clock does not read"
        return self.now_ms - self.clock_ms


def _tile_page(pages: BrowserPages, vms: VmsProcess) -> BrowserPage:
    """A page on the VMS origin with the live tile's files served."""
    page = pages.new_page(f"http://127.0.0.1:{vms.port}")
    page.sign_in(password=vms.admin_password)
    page.serve(
        {
            "live_player.html": StaticFile.read(HERE / "live_player.html"),
            "live_players.js": StaticFile.read(HERE / "live_players.js"),
            "hls.js": node_module_file(HLS_JS),
        }
    )
    return page


def _play(page: BrowserPage, kind: str, camera: str, **query: str) -> None:
    """Start the tile: kind is whep, mse or hls."""
    page.open("live_player.html", kind=kind, camera=camera, stream="main", **query)


def _wait_frames(page: BrowserPage, count: int, timeout_ms: int = PLAY_TIMEOUT_MS) -> None:
    """Until the player has presented `count` frames in all."""
    page.page.wait_for_function(f"window.player.frames >= {count}", timeout=timeout_ms)


def _capture(page: BrowserPage, name: str) -> Sample | None:
    """The frame on screen (None while the <video> has none), kept as an artifact."""
    frame: dict[str, Any] = page.page.evaluate("sampleFrame()")
    if not frame["png"].startswith("data:image/png"):
        return None  # a 0x0 canvas: no picture yet
    gray = page.canvas_picture(frame["png"], f"{name}-frame.png")
    return Sample(
        round(frame["now_ms"]),
        float(frame["time_s"]),
        int(frame["frames"]),
        decode_clock(gray),
        gray,
    )


def _sample(page: BrowserPage, name: str) -> Sample:
    sample = _capture(page, name)
    assert sample is not None, f"{name}: no picture in the <video>"
    return sample


def _assert_picture(sample: Sample, name: str) -> None:
    """Not blank (black, grey or a flat fill) and carrying a readable clock."""
    assert sample.gray.shape == (240, 320), f"{name}: canvas {sample.gray.shape}"
    assert_not_blank(sample.gray, name)
    assert sample.clock_ms is not None, f"{name}: the burnt-in clock does not read"


def _watch(page: BrowserPage, kind: str, seconds: float = 3.0, slack_ms: int = 0) -> list[Sample]:
    """Samples over a few seconds of play: each a picture, each within the delay limit, and
    the media time and frame count moving on."""
    samples = []
    for index in range(6):
        if index:
            page.page.wait_for_timeout(seconds * 1000 / 5)
        sample = _sample(page, f"{kind}-{index}")
        _assert_picture(sample, f"{kind}-{index}")
        samples.append(sample)
    delays = [s.delay_ms for s in samples]
    assert max(delays) < allowance_ms(MAX_DELAY_MS[kind]) + slack_ms, delays
    assert min(delays) > -50, delays  # a frame from the future: clocks or decoding are wrong
    # currentTime advances (at half speed at worst on a quiet machine; a loaded one plays slower)
    played_s = samples[-1].time_s - samples[0].time_s
    assert played_s * allowance_ms(1000) > seconds / 2 * 1000, samples
    # per second of media played: the frames (few dropped) and the camera's clock with them
    # (a loaded browser paints fewer of them: the share is divided by the contention)
    assert samples[-1].frames >= samples[0].frames + played_s * FPS * 0.7 / contention(), samples
    assert samples[-1].clock_ms is not None and samples[0].clock_ms is not None
    assert samples[-1].clock_ms - samples[0].clock_ms > played_s * 1000 * 0.7, samples
    return samples


def _report(label: str, page: BrowserPage, samples: list[Sample], extra: str = "") -> None:
    """Prints the first-frame time and the delays; fails if the first frame took very long."""
    first_ms: float = page.page.evaluate("window.vmsTest.firstFrameMs")
    delays = sorted(s.delay_ms for s in samples)
    print(
        f"\n{label}: first frame {first_ms:.0f} ms after start{extra}; clock delay "
        f"median {delays[len(delays) // 2]} ms, max {delays[-1]} ms"
    )
    assert first_ms < FIRST_FRAME_LIMIT_MS, first_ms


def _stop_player(page: BrowserPage) -> None:
    page.page.evaluate("window.player.stop()")


@pytest.mark.slow
@pytest.mark.parametrize("candidates", ["mdns", "real-addresses"])
def test_whep_plays_in_chromium_and_delete_frees_the_session(
    live: LiveVms, browser_pages: BrowserPages, candidates: str
) -> None:
    """`mdns` is what users' browsers do (host candidates hidden behind `.local` names); with
    `real-addresses` Chromium puts its addresses in the offer."""
    if candidates == "real-addresses":
        browser_pages.extra_args = (WEBRTC_REAL_HOST_CANDIDATES,)
    vms = live.vms
    offers: list[Request] = []

    def keep_offer(request: Request) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith("/whep"):
            offers.append(request)

    page = _tile_page(browser_pages, vms)
    page.page.on("requestfinished", keep_offer)
    _play(page, "whep", "steady")
    _wait_frames(page, 25)
    samples = _watch(page, "whep")
    page.screenshot("whep-playing")
    assert len(offers) == 1, offers
    answer_ms = offers[0].timing["responseEnd"] - offers[0].timing["requestStart"]
    _report(f"whep ({candidates})", page, samples, f" (the answer took {answer_ms:.0f} ms)")
    assert _viewers(vms, "steady", "whep") == 1

    with page.page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        _stop_player(page)
    assert deleted.value.status == 200, deleted.value.text()
    assert wait_for(lambda: _viewers(vms, "steady", "whep") == 0, 5)
    assert page.console_errors == []
    offer = offers[0].post_data or ""
    hosts = re.findall(r"a=candidate:\S+ 1 udp \d+ (\S+) \d+ typ host", offer)
    assert hosts, offer
    assert all(h.endswith(".local") for h in hosts) == (candidates == "mdns"), hosts


@pytest.mark.slow
def test_mse_over_websocket_plays_in_chromium(live: LiveVms, browser_pages: BrowserPages) -> None:
    vms = live.vms
    page = _tile_page(browser_pages, vms)
    _play(page, "mse", "steady")
    _wait_frames(page, 25)
    samples = _watch(page, "mse")
    page.screenshot("mse-playing")
    _report("mse", page, samples)
    assert _viewers(vms, "steady", "mse") == 1

    _stop_player(page)  # closes the socket
    assert wait_for(lambda: _viewers(vms, "steady", "mse") == 0, 5)
    assert page.console_errors == []


@pytest.mark.slow
def test_llhls_plays_in_chromium_with_hlsjs_low_latency_mode(
    live: LiveVms, browser_pages: BrowserPages
) -> None:
    page = _tile_page(browser_pages, live.vms)
    _play(page, "hls", "steady")
    _wait_frames(page, 25)
    # Read while it is known to play: after a loss the player is between two hls.js instances.
    low_latency: dict[str, Any] | None = page.page.evaluate(
        """() => {
            const hls = window.player.hls;
            if (!hls) return null;
            const details = hls.levels[hls.currentLevel >= 0 ? hls.currentLevel : 0].details;
            return { mode: hls.lowLatencyMode, parts: (details.partList || []).length };
        }"""
    )
    assert low_latency is not None, _events(page)
    assert low_latency["mode"] is True and low_latency["parts"] > 0, low_latency
    samples = _watch(page, "hls")
    page.screenshot("hls-playing")
    _report("hls", page, samples)
    assert page.console_errors == []


def _play_flaky(live: LiveVms, pages: BrowserPages, kind: str, **query: str) -> BrowserPage:
    """A tile of `flaky`, playing."""
    assert wait_for(lambda: _streaming(live.vms, "flaky"), 30), live.vms.log()[-3000:]
    page = _tile_page(pages, live.vms)
    _play(page, kind, "flaky", **query)
    _wait_frames(page, 25)
    _assert_picture(_sample(page, f"{kind}-before"), f"{kind}-before")
    return page


def _events(page: BrowserPage) -> list[dict[str, Any]]:
    """What the player reported: opened, open-failed, lost (with reasons)."""
    events: list[dict[str, Any]] = page.page.evaluate("window.vmsTest.events")
    return events


def _first_new_picture(page: BrowserPage, kind: str, since_ms: float) -> Sample:
    """The first frame on screen whose burnt-in clock is later than `since_ms`."""
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while time.monotonic() < deadline:
        sample = _capture(page, f"{kind}-after")
        if sample is not None and sample.clock_ms is not None and sample.clock_ms > since_ms:
            return sample
        page.page.wait_for_timeout(100)
    raise AssertionError(f"{kind}: no new picture {RECOVERY_TIMEOUT_S} s on: {_events(page)}")


def _recovered(page: BrowserPage, kind: str, back_ms: float, outage: str) -> list[dict[str, Any]]:
    """Waits for a frame the camera made after it came back, checks the tile then plays on in
    time, and returns the player's events."""
    sample = _first_new_picture(page, kind, back_ms)
    _assert_picture(sample, f"{kind}-after")
    page.screenshot(f"{kind}-recovered")
    samples = _watch(page, kind, slack_ms=STALLED_SLACK_MS[kind])
    events = _events(page)
    names = [e["name"] for e in events]
    lost = [e.get("reason") for e in events if e["name"] == "lost"]
    print(
        f"\n{kind} ({outage}): picture back {sample.now_ms - back_ms:.0f} ms after the camera "
        f"restarted; delay then {samples[-1].delay_ms} ms; player events {names}, lost: {lost}"
    )
    assert names[-1] == "opened", events
    unexpected = [e for e in page.console_errors if not OUTAGE_ERRORS.match(e)]
    assert unexpected == []
    return events


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["whep", "mse", "hls"])
def test_a_tile_starts_over_while_its_camera_is_away_and_plays_when_it_returns(
    live: LiveVms, browser_pages: BrowserPages, kind: str
) -> None:
    page = _play_flaky(live, browser_pages, kind)
    stopped_s = time.monotonic()
    live.flaky.stop()
    page.page.wait_for_function(
        "window.vmsTest.events.some((e) => e.name === 'lost')", timeout=15_000
    )
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped_s)))
    live.flaky.start()
    events = _recovered(page, kind, time.time() * 1000, "camera away 4 s")
    names = [e["name"] for e in events]
    assert "open-failed" in names[names.index("lost") :], events  # tried, and was refused
    if kind != "hls":  # LL-HLS has no sessions: a viewer expires after VIEWER_TTL_S
        assert _viewers(live.vms, "flaky", kind) == 1  # the lost session was freed
    _stop_player(page)
    if kind != "hls":
        assert wait_for(lambda: _viewers(live.vms, "flaky", kind) == 0, 5)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["whep", "mse", "hls"])
def test_a_tile_rides_out_a_camera_blip(
    live: LiveVms, browser_pages: BrowserPages, kind: str
) -> None:
    """The camera restarts at once; the VMS reconnects within a second or two. The stall limit is
    raised to 10 s, so the players' stall restart cannot hide a protocol that does not carry on."""
    page = _play_flaky(live, browser_pages, kind, stall_ms="10000")
    live.flaky.stop()
    live.flaky.start()
    events = _recovered(page, kind, time.time() * 1000, "camera blip")
    if kind != "hls":  # hls.js may fail on the reconnect's playlist and is started over
        # The WHEP session carries on across the VMS's reconnect; MSE gets a new codecs
        # message and init segment on the same socket.
        assert [e["name"] for e in events] == ["opened"], events
