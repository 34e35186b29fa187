"""Benchmark: what the tracker and the rules cost per analysed frame with many objects in view.

Usage: python bench/tracking.py [--quick] [--objects N] [--json PATH]   (--quick: ~5 s)

`objects` walkers (20 by default) cross a 640×360 picture at steady speeds, turning back
gradually at its edges, with a few pixels of box jitter and one weak (score 0.3) detection in
ten, as a detector gives; the camera has 4 zones and 2 lines and one rule of each kind on them
(6 rules). The frames are made before timing, then run through `Tracker.update` alone and
through `Tracker.update` plus `RuleEngine.update`, one after the other in this process. The
figures are CPU ms per frame and the share of one core that 8 cameras at 5 fps would take; the
track ids used show how often crossings and turns broke a track (20 would be perfect).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import Row, bench_arguments, report
from vms.analytics.detection import Detection
from vms.analytics.rules import CountRule, LineRule, LoiterRule, Rule, RuleEngine, ZoneRule
from vms.analytics.tracking import Tracker
from vms.analytics.zones import Zone

SIZE = (640, 360)
FPS = 5.0
ZONES = [
    Zone("north", "zone", ((0.05, 0.05), (0.45, 0.05), (0.45, 0.45), (0.05, 0.45))),
    Zone("south", "zone", ((0.05, 0.55), (0.45, 0.55), (0.45, 0.95), (0.05, 0.95))),
    Zone("east", "zone", ((0.55, 0.05), (0.95, 0.05), (0.95, 0.95), (0.7, 0.6), (0.55, 0.95))),
    Zone("centre", "zone", ((0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7))),
    Zone("gate", "line", ((0.5, 0.1), (0.5, 0.9))),
    Zone("road", "line", ((0.1, 0.5), (0.9, 0.5))),
]
RULES: list[Rule] = [
    ZoneRule(kind="zone", name="enter north", zone="north", trigger="enter"),
    ZoneRule(kind="zone", name="in south", zone="south", trigger="present"),
    CountRule(kind="count", name="crowd east", zone="east", above=3),
    LoiterRule(kind="loiter", name="loiter centre", zone="centre", dwell_s=5),
    LineRule(kind="line", name="gate", line="gate"),
    LineRule(kind="line", name="road", line="road", direction="a_to_b"),
]


def make_frames(objects: int, frames: int, seed: int = 7) -> list[list[Detection]]:
    """Walkers with steady velocities (20–80 px/s) that turn back near the edges over a second
    or two (people do not bounce), with jitter. Every frame lists every walker in the same order,
    so a detection's index is its true walker (bench/tracking_library.py scores ids by it)."""
    rng = np.random.default_rng(seed)
    width, height = SIZE
    position = rng.uniform((40, 100), (width - 40, height - 10), (objects, 2))
    velocity = rng.uniform(20, 80, (objects, 2)) * rng.choice((-1, 1), (objects, 2)) / FPS
    result: list[list[Detection]] = []
    for _ in range(frames):
        position += velocity
        for axis, (low, high) in enumerate(((40, width - 40), (100, height - 10))):
            velocity[position[:, axis] < low, axis] += 0.2 * 80 / FPS  # turn back gradually
            velocity[position[:, axis] > high, axis] -= 0.2 * 80 / FPS
        jitter = rng.normal(0, 1.5, (objects, 4))
        scores = np.where(rng.random(objects) < 0.1, 0.3, 0.85)
        frame = [
            Detection(
                "person",
                float(scores[i]),
                (
                    float(x - 15 + jitter[i, 0]),
                    float(y - 80 + jitter[i, 1]),
                    float(x + 15 + jitter[i, 2]),
                    float(y + jitter[i, 3]),
                ),
            )
            for i, (x, y) in enumerate(position)
        ]
        result.append(frame)
    return result


def measure(frames: list[list[Detection]], with_rules: bool) -> tuple[float, int, int]:
    """CPU ms per frame; the track ids used; the rule events."""
    tracker = Tracker(fps=FPS)
    engine = RuleEngine(RULES, ZONES, "UTC")
    frame_ms = int(1000 / FPS)
    ids: set[int] = set()
    events = 0
    start = time.process_time()
    for index, detections in enumerate(frames):
        tracks = tracker.update(detections, index * frame_ms)
        ids.update(t.track_id for t in tracks)
        if with_rules:
            events += len(engine.update(tracks, index * frame_ms, SIZE))
    elapsed = time.process_time() - start
    return elapsed * 1000 / len(frames), len(ids), events


def main() -> int:
    parser = bench_arguments(__doc__ or "", "fewer frames (~5 s)")
    parser.add_argument("--objects", type=int, default=20, help="walkers in view")
    args = parser.parse_args()
    frames = make_frames(args.objects, 300 if args.quick else 1500)
    rows: list[Row] = []
    for name, with_rules in (("tracker", False), ("tracker + 6 rules", True)):
        ms, ids, events = min(measure(frames, with_rules) for _ in range(3))
        rows.append(
            {
                "path": name,
                "objects": args.objects,
                "ms/frame": ms,
                "8 cams x 5 fps, % of a core": ms * 8 * FPS / 10,
                "track ids": ids,
                "events": events,
            }
        )
    return report(rows, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
