"""Benchmark stage: from the frame in which a walker crosses a line to its event on the SSE stream.

The simulator's composite scene walks a real person cut-out across a camera once per loop; a line
rule watches the middle of the picture (as in tests/integration/analytics/test_rules_e2e.py) and
the shipped NanoDet-m analyses 5 fps in a worker process of a real `vms serve`. The simulator's
truth (`--truth-out`) says in which frame of the loop the walker's foot passes the line. Frame n
of every loop has the wall time `phase + n / fps` (mod the loop), where VMS's wall clock of the
stream (the simulator's sender reports) gives `phase`: a live snapshot carries its frame's wall
time (`VMS-Frame-Time-Ms`) and, burnt in as a clock code, its frame number. Each crossing's
latency is the moment its `opened` message arrives on `/api/v1/events/stream` minus the wall
time of the crossing frame; it is split into the sampling delay (crossing frame to the analysed
frame the event is dated at, up to 1 / detect_fps) and the pipeline's own delay (that frame to
the SSE message: decode, inference, tracking, rules, storing, the feed).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np

from bench.analytics_load import wait_analysing
from bench.support import (
    BENCH_AUTH,
    Row,
    VmsServer,
    percentile,
    simulator,
    vms_serve,
    wait_streaming,
)
from vms.media.clockcode import decode_clock

LOOP_S = 6.0
FPS = 10
SIZE = (640, 360)
# One walker, left to right across the picture in 5 s, then 1 s away before the scene loops.
SCENARIO = {
    "duration_s": LOOP_S,
    "objects": [
        {
            "id": "walker",
            "cutout": "walker-dark",
            "height": 0.4,
            "path": [{"t": 0, "x": -0.08, "y": 0.85}, {"t": 5, "x": 1.08, "y": 0.85}],
        }
    ],
}
LINE_X = 0.5
GATE = {"name": "gate", "kind": "line", "points": [[LINE_X, 0.5], [LINE_X, 0.99]]}
RULE = {"kind": "line", "name": "gate crossing", "line": "gate", "labels": ["person"]}
ANALYTICS = {"detect_default": "always", "detect_fps": 5, "inference_workers": 1}


@dataclass(slots=True)
class Arrivals:
    """Events as they arrive on the SSE stream: id → (arrival wall ms, the event's JSON)."""

    seen: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)


def crossing_frame(truth: dict[str, Any], object_id: str, line_x: float) -> int:
    """The first frame of the loop whose anchor (the foot) is past the vertical line at `line_x`
    (a share of the width), walking left to right."""
    limit = line_x * truth["width"]
    obj = next(o for o in truth["objects"] if o["id"] == object_id)
    return int(min(f["frame"] for f in obj["frames"] if f["anchor"][0] >= limit))


def loop_phase(samples: list[tuple[float, int]], fps: float, loop_ms: float) -> float:
    """The wall time (mod the loop) of frame 0 from (frame wall ms, frame number) samples: the
    circular median, so that samples either side of the loop's wrap agree."""
    residues = [(wall - number * 1000 / fps) % loop_ms for wall, number in samples]
    anchor = residues[0]
    offsets = [(r - anchor + loop_ms / 2) % loop_ms - loop_ms / 2 for r in residues]
    return (anchor + statistics.median(offsets)) % loop_ms


def crossing_wall_ms(phase: float, frame: int, fps: float, loop_ms: float, near: float) -> float:
    """The wall time of `frame` in the loop nearest to `near` (the event's own time)."""
    base = phase + frame * 1000 / fps
    return base + round((near - base) / loop_ms) * loop_ms


def snapshot_samples(
    server: VmsServer, wanted: int, timeout_s: float = 60.0
) -> list[tuple[float, int]]:
    """(frame wall ms, frame number) of live snapshots whose clock code reads."""
    samples: list[tuple[float, int]] = []
    deadline = time.monotonic() + timeout_s
    url = f"{server.base_url}/api/v1/cameras/cam1/snapshot.jpg"
    while len(samples) < wanted and time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(url, auth=BENCH_AUTH, timeout=10)
            if response.status_code == 200:
                buffer = np.frombuffer(response.content, np.uint8)
                grey = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)
                number = None if grey is None else decode_clock(grey)
                if number is not None:
                    samples.append((float(response.headers["VMS-Frame-Time-Ms"]), number))
        time.sleep(0.3)
    if not samples:
        raise TimeoutError("no snapshot with a readable frame code")
    return samples


def listen(server: VmsServer, arrivals: Arrivals, wanted: int) -> None:
    """Read the rule's events from the SSE stream until `wanted` have arrived or `done` is set."""
    url = f"{server.base_url}/api/v1/events/stream"
    timeout = httpx.Timeout(10.0, read=20.0)  # a keep-alive comes every 15 s
    with httpx.stream(
        "GET", url, params={"rule": RULE["name"]}, auth=BENCH_AUTH, timeout=timeout
    ) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                now = time.time() * 1000
                event = json.loads(line.removeprefix("data: "))
                arrivals.seen.setdefault(event["id"], (now, event))
            if len(arrivals.seen) >= wanted or arrivals.done.is_set():
                return


def configure_rule(server: VmsServer) -> None:
    base = f"{server.base_url}/api/v1/cameras/cam1"
    httpx.put(f"{base}/zones", json=[GATE], auth=BENCH_AUTH, timeout=30).raise_for_status()
    rules = httpx.put(f"{base}/rules", json={"rules": [RULE]}, auth=BENCH_AUTH, timeout=30)
    rules.raise_for_status()


@contextlib.contextmanager
def composite_vms(folder: Path) -> Iterator[tuple[VmsServer, dict[str, Any]]]:
    """The simulator's composite scene and a VMS analysing it with the line rule; the truth."""
    scenario, truth_path = folder / "scenario.json", folder / "truth.json"
    scenario.write_text(json.dumps(SCENARIO))
    args = ["--cameras", "1", "--size", "x".join(map(str, SIZE)), "--fps", str(FPS)]
    args += ["--audio", "none", "--scene", "composite", "--scenario", str(scenario)]
    with simulator(*args, "--truth-out", str(truth_path)) as url:
        truth = json.loads(truth_path.read_text())
        camera = {"id": "cam1", "main_url": f"{url}/cam1/main", "record": False}
        with vms_serve(folder / "vms", [camera], extra={"analytics": ANALYTICS}) as server:
            wait_streaming(server, "cam1")
            configure_rule(server)
            wait_analysing(server, 1)
            yield server, truth


def latency_rows(crossings: int) -> list[Row]:
    """p50 / p95 / max of the crossing-to-SSE latency over `crossings` crossings."""
    loop_ms = LOOP_S * 1000
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        folder = Path(tmp)
        (folder / "vms").mkdir()
        with composite_vms(folder) as (server, truth):
            phase = loop_phase(snapshot_samples(server, 5), FPS, loop_ms)
            arrivals = Arrivals()
            thread = threading.Thread(
                target=listen, args=(server, arrivals, crossings), daemon=True
            )
            thread.start()
            thread.join(LOOP_S * (crossings + 3) + 30)
            arrivals.done.set()
            load = os.getloadavg()[0]
    frame = crossing_frame(truth, "walker", LINE_X)
    totals, sampling, pipeline = [], [], []
    for arrived, event in arrivals.seen.values():
        start = float(event["start_ms"])
        crossed = crossing_wall_ms(phase, frame, FPS, loop_ms, start)
        totals.append(arrived - crossed)
        sampling.append(start - crossed)
        pipeline.append(arrived - start)
    if not totals:
        raise RuntimeError("no crossing event arrived")
    return [
        {
            "part": "crossing → SSE event",
            "crossings": len(totals),
            "p50_ms": percentile(totals, 50),
            "p95_ms": percentile(totals, 95),
            "max_ms": max(totals),
            "crossing_to_event_start_ms_p50": percentile(sampling, 50),
            "event_start_to_sse_ms_p50": percentile(pipeline, 50),
            "event_start_to_sse_ms_p95": percentile(pipeline, 95),
            "load_1m": load,
        }
    ]
