"""Web client live grid benchmark: first frame per tile, dropped frames, browser CPU, bundle size.

Against a real `vms serve` with 16 simulated pattern cameras (main and sub streams, 1 s GOP, no
audio, not recorded), Debian's Chromium (headless, through Playwright) opens the built web
client's live grid (web/dist, `make web`), signed in as the first admin:
- first frame: for 4 and 16 tiles, the time from opening /live (navigation start: page load,
  session check and camera list included) to each tile's first presented frame, as the player
  records it (`data-first-frame-ms`, performance.now() at the first requestVideoFrameCallback);
  p50/p95/max over tiles and runs (after one uncounted warm-up load), and 16 tiles against 4
  (the baseline of the same run), with when the WHEP offers left and their answers came back.
  Goal: p95 < 1 s for 16 tiles;
- with 16 tiles playing for a window: frames dropped per minute (getVideoPlaybackQuality, summed
  over tiles), frames presented per second per tile, and the CPU of Chromium's process tree and
  of the VMS process (psutil, % of one core);
- the gzip size of the built client without player libraries: every web/dist/assets/*.js and
  *.css except the hls.js chunk (goal < 250 KB), and the hls.js chunk on its own.

Usage: python bench/web.py [--quick] [--json PATH]   (--quick: about a minute)
"""

from __future__ import annotations

import contextlib
import gzip
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from playwright.sync_api import BrowserContext, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import (
    BENCH_ADMIN,
    BENCH_ADMIN_PASSWORD,
    ROOT,
    Row,
    bench_arguments,
    cpu_seconds,
    percentile,
    print_rows,
    report,
    simulator,
    tree,
    vms_serve,
)

CAMERAS = 16
ADMIN, PASSWORD = BENCH_ADMIN, BENCH_ADMIN_PASSWORD
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--no-sandbox", "--autoplay-policy=no-user-gesture-required")
DIST = ROOT / "web" / "dist"
HLS_CHUNK = re.compile(r"^hls[.-]")  # Vite names the dynamically imported hls.js chunk after it
FIRST_FRAME_GOAL_MS = 1000.0
BUNDLE_GOAL_KB = 250.0
PLAY_TIMEOUT_MS = 30_000


@dataclass(frozen=True, slots=True)
class Settings:
    size: str  # main stream; the sub stream is half as wide and high
    runs: int  # page loads per layout
    window_s: float  # 16 tiles playing: dropped frames and CPU over this long


def settings(quick: bool) -> Settings:
    if quick:
        return Settings(size="640x360", runs=2, window_s=15.0)
    return Settings(size="1280x720", runs=5, window_s=60.0)


@dataclass(frozen=True, slots=True)
class Vms:
    base_url: str
    process: psutil.Process


@contextlib.contextmanager
def vms_with_cameras(rtsp_base: str, data_dir: Path) -> Iterator[Vms]:
    """`vms serve` with CAMERAS cameras (main + sub, not recorded), once all sub streams flow."""
    cameras = [
        {
            "id": f"cam{n:02d}",
            "main_url": f"{rtsp_base}/cam{n}/main",
            "sub_url": f"{rtsp_base}/cam{n}/sub",
            "record": False,
        }
        for n in range(1, CAMERAS + 1)
    ]
    with vms_serve(data_dir, cameras) as server:
        wait_all_streaming(server.base_url, [str(c["id"]) for c in cameras], server.popen)
        time.sleep(1.5)  # a whole GOP in every hub's cache
        yield Vms(server.base_url, server.process)


def wait_all_streaming(
    base: str, ids: list[str], proc: subprocess.Popen[bytes], timeout_s: float = 90.0
) -> None:
    deadline = time.monotonic() + timeout_s
    waiting = set(ids)
    with httpx.Client(base_url=base, auth=(ADMIN, PASSWORD), timeout=5) as client:
        while waiting and time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("vms serve exited")
            for camera in sorted(waiting):
                with contextlib.suppress(httpx.HTTPError):
                    status = client.get(f"/api/v1/cameras/{camera}/status")
                    streams = status.json()["streams"] if status.is_success else []
                    if {s["stream"] for s in streams if s["state"] == "streaming"} >= {"sub"}:
                        waiting.discard(camera)
            time.sleep(0.3)
    if waiting:
        raise TimeoutError(f"not streaming: {sorted(waiting)}")


def signed_in_context(browser_context: BrowserContext, base: str, layout: int) -> None:
    """Sign in (the session cookie lands in the context) and save the grid layout."""
    signed = browser_context.request.post(
        f"{base}/api/v1/auth/session", data={"username": ADMIN, "password": PASSWORD}
    )
    if not signed.ok:
        raise RuntimeError(f"sign-in failed: {signed.status} {signed.text()}")
    saved = browser_context.request.put(
        f"{base}/api/v1/auth/preferences", data={"grid_layout": layout, "grid_cameras": []}
    )
    if not saved.ok:
        raise RuntimeError(f"saving the layout failed: {saved.status} {saved.text()}")


@dataclass(frozen=True, slots=True)
class Load:
    """One page load of the grid, in ms since navigation start."""

    first_frames: list[float]  # one per tile
    protocols: set[str]
    offers_sent: list[float]  # WHEP POSTs started (after ICE gathering)
    answers: list[float]  # WHEP answers received


def open_grid(page: Page, base: str, tiles: int) -> Load:
    """Open /live and wait for every tile's first frame."""
    page.goto(f"{base}/live")
    page.wait_for_function(
        """(tiles) => {
            const videos = [...document.querySelectorAll('[data-testid=live-video]')];
            return videos.length === tiles && videos.every((v) => v.dataset.firstFrameMs);
        }""",
        arg=tiles,
        timeout=PLAY_TIMEOUT_MS,
    )
    found: list[list[str]] = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=live-video]')]
            .map((v) => [v.dataset.firstFrameMs, v.dataset.protocol])"""
    )
    whep: list[list[float]] = page.evaluate(
        """() => performance.getEntriesByType('resource')
            .filter((e) => /\\/whep\\?/.test(e.name))
            .map((e) => [e.startTime, e.responseEnd])"""
    )
    return Load(
        [float(ms) for ms, _ in found],
        {protocol for _, protocol in found},
        [start for start, _ in whep],
        [end for _, end in whep],
    )


def playback_quality(page: Page) -> tuple[int, int]:
    """(presented, dropped) frames summed over the grid's videos."""
    total: list[int] = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=live-video]')].reduce((sum, v) => {
            const q = v.getVideoPlaybackQuality();
            return [sum[0] + q.totalVideoFrames, sum[1] + q.droppedVideoFrames];
        }, [0, 0])"""
    )
    return int(total[0]), int(total[1])


def chromium_processes() -> list[psutil.Process]:
    """This process's Chromium descendants (Playwright's driver starts the browser)."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if "chrom" in proc.name().lower():
                found.append(proc)
    return found


def first_frame_rows(page: Page, base: str, runs: int, layouts: tuple[int, ...]) -> list[Row]:
    rows: list[Row] = []
    baseline_p95: float | None = None
    for layout in layouts:
        signed_in_context(page.context, base, layout)
        loads = [open_grid(page, base, min(layout, CAMERAS)) for _ in range(runs)]
        times = [ms for load in loads for ms in load.first_frames]
        offers = [ms for load in loads for ms in load.offers_sent]
        answers = [ms for load in loads for ms in load.answers]
        protocols = set().union(*(load.protocols for load in loads))
        p95 = percentile(times, 95)
        baseline_p95 = baseline_p95 or p95
        goal = f"p95 < {FIRST_FRAME_GOAL_MS:.0f} ms" if layout == CAMERAS else ""
        rows.append(
            {
                "measure": f"first frame, {layout} tiles ({len(times)} tiles over {runs} loads)",
                "p50_ms": percentile(times, 50),
                "p95_ms": p95,
                "max_ms": max(times),
                "vs_4_tiles": p95 / baseline_p95,
                "offer_sent_p95_ms": percentile(offers, 95) if offers else None,
                "answer_p95_ms": percentile(answers, 95) if answers else None,
                "protocols": ",".join(sorted(protocols)),
                "goal": goal,
                "met": "yes" if not goal or p95 < FIRST_FRAME_GOAL_MS else "NO",
            }
        )
    return rows


def steady_rows(page: Page, vms: Vms, window_s: float) -> list[Row]:
    """16 tiles playing for `window_s`: dropped frames, presented fps, Chromium and VMS CPU."""
    browser = chromium_processes()
    frames0, dropped0 = playback_quality(page)
    browser_cpu0, vms_cpu0 = cpu_seconds(browser), cpu_seconds(tree(vms.process))
    started = time.monotonic()
    page.wait_for_timeout(window_s * 1000)
    elapsed = time.monotonic() - started
    frames1, dropped1 = playback_quality(page)
    browser_cpu1, vms_cpu1 = cpu_seconds(browser), cpu_seconds(tree(vms.process))
    frames, dropped = frames1 - frames0, dropped1 - dropped0
    return [
        {
            "measure": f"{CAMERAS} tiles playing {elapsed:.0f} s",
            "dropped_per_min": dropped / (elapsed / 60),
            "dropped_pct": 100 * dropped / max(1, frames),
            "shown_fps_per_tile": (frames - dropped) / elapsed / CAMERAS,
            "chromium_cpu_pct": 100 * (browser_cpu1 - browser_cpu0) / elapsed,
            "vms_cpu_pct": 100 * (vms_cpu1 - vms_cpu0) / elapsed,
        }
    ]


def bundle_rows() -> list[Row]:
    """gzip sizes of the built client's scripts and styles, without and with the hls.js chunk."""
    assets = sorted(DIST.glob("assets/*"))
    if not assets:
        raise RuntimeError(f"{DIST} has no assets: run `make web` first")
    client = hls = 0
    for path in assets:
        if path.suffix not in (".js", ".css"):
            continue
        size = len(gzip.compress(path.read_bytes(), compresslevel=9))
        if HLS_CHUNK.match(path.name):
            hls += size
        else:
            client += size
    return [
        {
            "measure": "web client gzip, without hls.js",
            "kb": client / 1024,
            "goal": f"< {BUNDLE_GOAL_KB:.0f} KB",
            "met": "yes" if client / 1024 < BUNDLE_GOAL_KB else "NO",
        },
        {
            "measure": "hls.js chunk gzip (loaded on demand)",
            "kb": hls / 1024,
            "goal": "",
            "met": "",
        },
    ]


def run(quick: bool) -> list[Row]:
    config = settings(quick)
    rows = bundle_rows()
    sim_args = ("--cameras", str(CAMERAS), "--size", config.size, "--audio", "none")
    with (
        simulator(*sim_args, "--gop-seconds", "1") as rtsp_base,
        tempfile.TemporaryDirectory(prefix="bench-web-") as tmp,
        vms_with_cameras(rtsp_base, Path(tmp)) as vms,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 900})
            page = context.new_page()
            signed_in_context(context, vms.base_url, 4)
            open_grid(page, vms.base_url, 4)  # warm-up, not counted: Chromium's first WebRTC use
            rows += first_frame_rows(page, vms.base_url, config.runs, (4, CAMERAS))
            rows += steady_rows(page, vms, config.window_s)  # the last load: 16 tiles
        finally:
            browser.close()
    return rows


def print_tables(rows: list[Row]) -> None:
    """One table per run of rows with the same columns (bundle, first frame, steady play)."""
    group: list[Row] = []
    for row in rows:
        if group and set(row) != set(group[0]):
            print_rows(group)
            print()
            group = []
        group.append(row)
    print_rows(group)


def main() -> int:
    parser = bench_arguments(__doc__ or "", "2 page loads per layout, 15 s window, 360p cameras")
    args = parser.parse_args()
    return report(run(args.quick), args.json, print_tables)


if __name__ == "__main__":
    sys.exit(main())
