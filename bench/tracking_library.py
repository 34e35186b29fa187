"""Benchmark: VMS's own ByteTrack against supervision's ByteTrack on the same detections.

Usage: python bench/tracking_library.py [--quick] [--json PATH] [--library-python PATH]

Why: VMS tracks with its own ByteTrack (`vms.analytics.tracking`) rather than a library's; this
measures whether that costs or buys anything. The same detection frames (5 fps, 30×80 px people)
go through `Tracker.update` in this process and through `sv.ByteTrack.update_with_detections`
in the library's venv (bench/tracking_library_runner.py, run by `--library-python`), once with
the library's defaults and once with settings matched to ours (the same score split 0.5 and
new-track score 0.6, 1 s before a lost track is dropped, confirmed after 2 frames). Scenes:
- walkers: bench/tracking.py's 20 walkers (jitter, one weak detection in ten; 1500 frames, 300
  with --quick);
- crossing: 4 lanes of two walkers crossing (40-100 px/s); the one behind is weak (score 0.35)
  while mostly covered and not detected at all while nearly hidden; 5 rounds;
- pillar: 4 walkers (40-100 px/s) each hidden for 3 frames (0.6 s) behind a pillar; 5 rounds.
Every detection carries its true object, so per tracker and scene the rows give the track ids
used (the true number of objects would be perfect), the id switches (times an object's id
changed from its previous one), the objects never given an id, the share of detections given
an id, and the least CPU ms per frame of 3 runs.

The library venv is throwaway and outside the project's environment (supervision 0.31 removed
ByteTrack; 0.28-0.30 deprecate it):
    python3 -m venv .cache/trackers-venv
    .cache/trackers-venv/bin/pip install 'supervision<0.31' numpy
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import ROOT, Row, bench_arguments, report
from bench.tracking import FPS, make_frames
from vms.analytics.detection import Detection
from vms.analytics.tracking import Tracker

Scene = list[list[tuple[int, Detection]]]  # per frame: (true object, its detection)
RUNNER = Path(__file__).resolve().parent / "tracking_library_runner.py"
DEFAULT_LIBRARY_PYTHON = ROOT / ".cache" / "trackers-venv" / "bin" / "python"
LIBRARY_SETTINGS: dict[str, dict[str, float]] = {
    "supervision defaults": {},
    # Its activation threshold splits confident from weak (our high_score 0.5) and +0.1 starts
    # a track (our new_track_score 0.6); 30 frames "at 30 fps" = 1 s (our lost_s); cost
    # 1 - IoU × score ≤ 0.8 is its default, near our IoU ≥ 0.2.
    "supervision matched": {
        "track_activation_threshold": 0.5,
        "lost_track_buffer": 30,
        "minimum_matching_threshold": 0.8,
        "minimum_consecutive_frames": 2,
    },
}
WIDTH, FOOT_Y = 640.0, (110.0, 190.0, 270.0, 350.0)  # four lanes, boxes never overlap across
SPEEDS = (40.0, 60.0, 80.0, 100.0)  # px/s, one per lane
ROUNDS, ROUND_GAP = 5, 10  # empty frames between rounds: every track is dropped


def person(x: float, foot: float, score: float, rng: np.random.Generator) -> Detection:
    """A 30×80 px person standing at (x, foot), its box edges jittered by 1.5 px."""
    j = [float(v) for v in rng.normal(0, 1.5, 4)]
    return Detection("person", score, (x - 15 + j[0], foot - 80 + j[1], x + 15 + j[2], foot + j[3]))


def walkers(frames: int) -> Scene:
    """bench/tracking.py's walkers: each frame lists them in the same order (index = object)."""
    return [list(enumerate(frame)) for frame in make_frames(20, frames)]


def crossing(seed: int = 11) -> Scene:
    """Per lane, A walks right and B walks left 6 px nearer the camera, so B hides A."""
    rng = np.random.default_rng(seed)
    scene: Scene = []
    for round_ in range(ROUNDS):
        base = round_ * 8
        for step in range(int(WIDTH / (SPEEDS[0] / FPS)) + 1):
            frame: list[tuple[int, Detection]] = []
            for lane, (foot, speed) in enumerate(zip(FOOT_Y, SPEEDS, strict=True)):
                xa = step * speed / FPS
                xb = WIDTH - xa
                if xa > WIDTH:
                    continue
                covered = max(0.0, 1 - abs(xa - xb) / 30)  # share of A's width behind B
                weak = rng.random(2) < 0.1
                if covered <= 0.6:
                    score = 0.35 if covered > 0.2 or weak[0] else 0.85
                    frame.append((base + 2 * lane, person(xa, foot - 6, score, rng)))
                score_b = 0.3 if weak[1] else 0.85
                frame.append((base + 2 * lane + 1, person(xb, foot, score_b, rng)))
            scene.append(frame)
        scene.extend([] for _ in range(ROUND_GAP))
    return scene


def pillar(seed: int = 13, hidden_frames: int = 3) -> Scene:
    """Per lane, a walker going right is not detected for `hidden_frames` past the middle."""
    rng = np.random.default_rng(seed)
    scene: Scene = []
    hidden_from = [int(WIDTH / 2 / (speed / FPS)) for speed in SPEEDS]
    for round_ in range(ROUNDS):
        for step in range(int(WIDTH / (SPEEDS[0] / FPS)) + 1):
            frame: list[tuple[int, Detection]] = []
            for lane, (foot, speed) in enumerate(zip(FOOT_Y, SPEEDS, strict=True)):
                x = step * speed / FPS
                if x > WIDTH or hidden_from[lane] <= step < hidden_from[lane] + hidden_frames:
                    continue
                score = 0.3 if rng.random() < 0.1 else 0.85
                frame.append((round_ * 4 + lane, person(x, foot, score, rng)))
            scene.append(frame)
        scene.extend([] for _ in range(ROUND_GAP))
    return scene


def run_ours(scene: Scene) -> tuple[list[list[int]], float]:
    """The track id our tracker gave each detection (0: none) and its CPU seconds."""
    tracker = Tracker(fps=FPS)
    frame_ms = int(1000 / FPS)
    ids: list[list[int]] = []
    cpu_s = 0.0
    for index, frame in enumerate(scene):
        detections = [detection for _, detection in frame]
        start = time.process_time()
        tracks = tracker.update(detections, index * frame_ms)
        cpu_s += time.process_time() - start
        by_box = {track.box: track.track_id for track in tracks if track.visible}
        ids.append([by_box.get(detection.box, 0) for detection in detections])
    return ids, cpu_s


def run_library(
    scene: Scene, python: Path, repeats: int
) -> tuple[str, dict[str, tuple[list[list[int]], float]]]:
    """The library's version and, per setting, its ids per detection and CPU seconds."""
    frames = [[[*d.box, d.score] for _, d in frame] for frame in scene]
    job = {"fps": FPS, "repeats": repeats, "frames": frames, "settings": LIBRARY_SETTINGS}
    with tempfile.TemporaryDirectory(prefix="vms-tracking-") as tmp:
        source, target = Path(tmp) / "in.json", Path(tmp) / "out.json"
        source.write_text(json.dumps(job))
        subprocess.run([str(python), str(RUNNER), str(source), str(target)], check=True)
        answer = json.loads(target.read_text())
    results = {name: (r["ids"], float(r["cpu_s"])) for name, r in answer["results"].items()}
    return str(answer["version"]), results


def has_supervision(python: Path) -> bool:
    """Whether `python` can import a supervision that still has ByteTrack."""
    check = "import warnings; warnings.simplefilter('ignore'); import supervision as s; s.ByteTrack"
    answer = subprocess.run([str(python), "-c", check], check=False, capture_output=True)
    return answer.returncode == 0


def score(scene: Scene, ids: list[list[int]]) -> dict[str, object]:
    """Ids used, id switches, objects never given an id, % of detections given an id."""
    last: dict[int, int] = {}
    switches = 0
    given = total = 0
    for frame, frame_ids in zip(scene, ids, strict=True):
        for (truth, _), track_id in zip(frame, frame_ids, strict=True):
            total += 1
            if track_id == 0:
                continue
            given += 1
            if last.get(truth, track_id) != track_id:
                switches += 1
            last[truth] = track_id
    objects = {truth for frame in scene for truth, _ in frame}
    return {
        "objects": len(objects),
        "ids used": len({i for frame_ids in ids for i in frame_ids if i}),
        "id switches": switches,
        "never tracked": len(objects - last.keys()),
        "% detections tracked": 100 * given / max(total, 1),
    }


def main() -> int:
    parser = bench_arguments(__doc__ or "", "fewer walker frames (~10 s)")
    parser.add_argument("--library-python", type=Path, default=DEFAULT_LIBRARY_PYTHON)
    args = parser.parse_args()
    if not args.library_python.exists() or not has_supervision(args.library_python):
        print(f"no supervision for {args.library_python}; make its venv with:", file=sys.stderr)
        print("  python3 -m venv .cache/trackers-venv", file=sys.stderr)
        print("  .cache/trackers-venv/bin/pip install 'supervision<0.31' numpy", file=sys.stderr)
        return 2
    scenes = {
        "walkers": walkers(300 if args.quick else 1500),
        "crossing": crossing(),
        "pillar": pillar(),
    }
    rows: list[Row] = []
    for name, scene in scenes.items():
        version, library = run_library(scene, args.library_python, 3)
        results = {"vms Tracker": min((run_ours(scene) for _ in range(3)), key=lambda r: r[1])}
        results.update({f"{k} ({version})": v for k, v in library.items()})
        for tracker, (ids, cpu_s) in results.items():
            rows.append(
                {
                    "scene": name,
                    "tracker": tracker,
                    **score(scene, ids),
                    "ms/frame": cpu_s * 1000 / len(scene),
                }
            )
    return report(rows, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
