"""WebRTC (WHEP) live-view benchmark: first frame, glass-to-glass delay and VMS CPU per viewer.

Against a real `vms serve` and simulated 1080p25 H.264 cameras, in one run:
- first frame: POST offer → first decoded frame for a new aiortc viewer (p50/p95, goal p95 <
  300 ms), against a direct RTSP pull of the simulator with PyAV (open → first decoded frame);
- glass-to-glass: wall clock minus the clock burnt into the picture (pattern camera), for a WHEP
  viewer (goal p95 < 500 ms on loopback) and for the same direct RTSP pull;
- CPU: the VMS process's CPU per viewer at 1, 8 and 32 viewers (looped-file camera, as in
  bench/record.py), over the same process with no viewer; the viewers run in separate processes
  and receive without decoding (aiortc's decoder replaced by a byte counter).
Viewers sign in with HTTP Basic as the bench admin; the credentials are checked (and cached by
VMS) by an untimed request before the first-frame trials, so no trial pays their Argon2 check.

Usage: python bench/live_webrtc.py [--quick] [--json PATH]   (--quick: ~1 minute)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import psutil
from aiortc import RTCPeerConnection, RTCSessionDescription, rtcrtpreceiver
from aiortc.codecs.base import Decoder
from aiortc.jitterbuffer import JitterFrame

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import (
    BENCH_AUTH,
    Row,
    bench_arguments,
    cpu_seconds,
    ensure_sample,
    percentile,
    report,
    simulator,
    streaming_vms,
    tree,
    warm_credentials,
)
from vms.media.clockcode import decode_clock

SDP = {"content-type": "application/sdp"}
VIEWERS_PER_PROCESS = 8


@contextlib.contextmanager
def serving(*args: str) -> Iterator[tuple[str, str, psutil.Process]]:
    """One simulated 1080p25 camera (`args`: its source) and `vms serve` streaming it as `cam`
    (not recorded); yields the camera's main stream URL, VMS's base URL and its process."""
    video = ("--size", "1920x1080", "--audio", "none", "--bitrate", "4M")
    with simulator(*video, *args) as simulated:
        url = f"{simulated}/cam1/main"
        live = {"webrtc": {"max_sessions": 100}}
        with streaming_vms("cam", url, live, "bench-whep-") as (base, proc):
            yield url, base, proc


def clock_delay_ms(frame: Any) -> float | None:
    shown = decode_clock(np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8))
    return None if shown is None else time.time() * 1000 - shown


async def whep_viewer(client: httpx.AsyncClient) -> tuple[Any, str]:
    """An aiortc viewer with a recvonly video transceiver; returns (pc, session URL)."""
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    response = await client.post(
        "/api/v1/cameras/cam/whep", content=pc.localDescription.sdp, headers=SDP
    )
    response.raise_for_status()
    await pc.setRemoteDescription(RTCSessionDescription(response.text, "answer"))
    return pc, response.headers["location"]


async def whep_latency(base: str, trials: int, seconds: float) -> tuple[list[float], list[float]]:
    """First-frame times (ms) of `trials` new viewers, then clock delays (ms) over `seconds`."""
    firsts: list[float] = []
    delays: list[float] = []
    async with httpx.AsyncClient(base_url=base, auth=BENCH_AUTH, timeout=10) as client:
        for trial in range(trials):
            started = time.perf_counter()
            pc, location = await whep_viewer(client)
            track = pc.getReceivers()[0].track
            await asyncio.wait_for(track.recv(), 10)
            firsts.append((time.perf_counter() - started) * 1000)
            caught_up = time.monotonic() + 1.0
            end = caught_up + (seconds if trial == trials - 1 else -1.0)
            while time.monotonic() < end:
                delay = clock_delay_ms(await asyncio.wait_for(track.recv(), 10))
                if delay is not None and time.monotonic() > caught_up:
                    delays.append(delay)
            await client.delete(location)
            await pc.close()
    return firsts, delays


def rtsp_latency(url: str, trials: int, seconds: float) -> tuple[list[float], list[float]]:
    """The same two measures for a direct RTSP pull of the camera with PyAV (the reference)."""
    firsts: list[float] = []
    delays: list[float] = []
    for trial in range(trials):
        started = time.perf_counter()
        with av.open(url, options={"rtsp_transport": "tcp"}) as container:
            frames = container.decode(video=0)
            next(frames)
            firsts.append((time.perf_counter() - started) * 1000)
            caught_up = time.monotonic() + 1.0
            end = caught_up + (seconds if trial == trials - 1 else -1.0)
            for frame in frames:
                if time.monotonic() >= end:
                    break
                delay = clock_delay_ms(frame)
                if delay is not None and time.monotonic() > caught_up:
                    delays.append(delay)
    return firsts, delays


def latency_rows(quick: bool) -> list[Row]:
    trials, seconds = (3, 5.0) if quick else (10, 20.0)
    rows: list[Row] = []
    with serving("--source", "pattern") as (url, base, _):
        warm_credentials(base)  # the first trial must not time VMS's Argon2 check
        whep = asyncio.run(whep_latency(base, trials, seconds))
        rtsp = rtsp_latency(url, trials, seconds)
    for what, index, goal in (("first_frame_ms", 0, 300.0), ("glass_to_glass_ms", 1, 500.0)):
        for name, values in (("whep", whep[index]), ("rtsp_direct", rtsp[index])):
            rows.append(
                {
                    "measure": what,
                    "path": name,
                    "samples": len(values),
                    "p50": round(statistics.median(values), 1),
                    "p95": round(percentile(values, 95), 1),
                    "goal_p95": goal if name == "whep" else None,
                }
            )
    return rows


def cpu_ms_per_s(proc: psutil.Process, seconds: float) -> float:
    procs = tree(proc)
    start = cpu_seconds(procs)
    time.sleep(seconds)
    return (cpu_seconds(procs) - start) / seconds * 1000


def start_viewers(base: str, count: int) -> list[subprocess.Popen[str]]:
    """Viewer processes (at most VIEWERS_PER_PROCESS each), returned once all receive."""
    children = []
    for first in range(0, count, VIEWERS_PER_PROCESS):
        n = min(VIEWERS_PER_PROCESS, count - first)
        command = [sys.executable, __file__, "--child-viewers", str(n), "--base", base]
        children.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    for child in children:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "receiving":
            raise RuntimeError("a viewer process did not start receiving")
    return children


def stop_viewers(children: list[subprocess.Popen[str]], seconds: float) -> tuple[float, float]:
    """Stop the viewers; (frames per viewer-second, Mbit/s per viewer) they received."""
    frames = size = viewers = 0
    for child in children:
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=30)
        stats = json.loads(out.strip().splitlines()[-1])
        frames, size, viewers = (
            frames + stats["frames"],
            size + stats["bytes"],
            viewers + stats["n"],
        )
    return frames / viewers / seconds, size * 8 / viewers / seconds / 1e6


def cpu_rows(quick: bool) -> list[Row]:
    counts, seconds = ((1, 8), 6.0) if quick else ((1, 8, 32), 20.0)
    rows: list[Row] = []
    with serving("--source", str(ensure_sample())) as (_, base, proc):
        idle = cpu_ms_per_s(proc, seconds)
        rows.append({"measure": "vms_cpu", "viewers": 0, "cpu_ms_per_s": round(idle, 1)})
        for count in counts:
            children = start_viewers(base, count)
            busy = cpu_ms_per_s(proc, seconds)
            fps, mbps = stop_viewers(children, seconds)
            rows.append(
                {
                    "measure": "vms_cpu",
                    "viewers": count,
                    "cpu_ms_per_s": round(busy, 1),
                    "cpu_ms_per_viewer_s": round((busy - idle) / count, 2),
                    "received_fps_per_viewer": round(fps, 1),
                    "received_mbit_s_per_viewer": round(mbps, 2),
                }
            )
    return rows


def run_webrtc_bench(quick: bool) -> list[Row]:
    """Every measure above; rows as printed by `print_table`."""
    return latency_rows(quick) + cpu_rows(quick)


def print_table(rows: list[Row]) -> None:
    print(f"{'measure':<18} {'path':<12} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'goal p95':>9}")
    for r in rows:
        if r["measure"] != "vms_cpu":
            goal = f"{r['goal_p95']:.0f}" if r["goal_p95"] is not None else "-"
            print(
                f"{r['measure']!s:<18} {r['path']!s:<12} {r['samples']!s:>4} "
                f"{r['p50']!s:>8} {r['p95']!s:>8} {goal:>9}"
            )
    for measure in ("first_frame_ms", "glass_to_glass_ms"):
        pair = {r["path"]: r for r in rows if r["measure"] == measure}
        whep, rtsp = pair["whep"]["p50"], pair["rtsp_direct"]["p50"]
        assert isinstance(whep, float) and isinstance(rtsp, float)
        print(f"{measure}: WHEP / direct RTSP p50 = {whep / rtsp:.2f}x")
    print(f"\n{'viewers':>7} {'VMS CPU ms/s':>13} {'ms/s per viewer':>16} {'fps':>6} {'Mbit/s':>7}")
    for r in rows:
        if r["measure"] == "vms_cpu":
            print(
                f"{r['viewers']!s:>7} {r['cpu_ms_per_s']!s:>13} "
                f"{r.get('cpu_ms_per_viewer_s', '-')!s:>16} "
                f"{r.get('received_fps_per_viewer', '-')!s:>6} "
                f"{r.get('received_mbit_s_per_viewer', '-')!s:>7}"
            )


async def child_viewers(base: str, count: int) -> None:
    """Viewer process: `count` sessions that receive without decoding; prints totals on SIGTERM."""
    loop = asyncio.get_running_loop()
    totals = {"n": count, "frames": 0, "bytes": 0}
    stop = asyncio.Event()

    class CountingDecoder(Decoder):  # runs on aiortc's decoder thread, one per receiver
        def __init__(self) -> None:
            self.first = True

        def decode(self, encoded_frame: JitterFrame) -> list[Any]:
            totals["frames"] += 1
            totals["bytes"] += len(encoded_frame.data)
            if self.first:
                self.first = False
                loop.call_soon_threadsafe(started.append, 1)
            return []

    started: list[int] = []
    rtcrtpreceiver.get_decoder = lambda codec: CountingDecoder()  # type: ignore[attr-defined]
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with httpx.AsyncClient(base_url=base, auth=BENCH_AUTH, timeout=30) as client:
        viewers = [await whep_viewer(client) for _ in range(count)]
        while len(started) < count:  # noqa: ASYNC110 (set from the decoder threads)
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # past the catch-up burst of the cached GOP
        totals["frames"] = totals["bytes"] = 0
        print("receiving", flush=True)
        await stop.wait()
        for pc, location in viewers:
            await client.delete(location)
            await pc.close()
    print(json.dumps(totals), flush=True)


def main() -> int:
    parser = bench_arguments(__doc__, "fewer trials and viewers (~1 min)")
    parser.add_argument("--child-viewers", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_viewers:
        asyncio.run(child_viewers(args.base, args.child_viewers))
        return 0
    return report(run_webrtc_bench(args.quick), args.json, print_table)


if __name__ == "__main__":
    sys.exit(main())
