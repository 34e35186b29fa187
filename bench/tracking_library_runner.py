"""Runs `supervision`'s ByteTrack over detection frames for bench/tracking_library.py.

Usage: LIBRARY_PYTHON bench/tracking_library_runner.py IN.json OUT.json

It runs in the throwaway venv that holds `supervision` (see bench/tracking_library.py for how
to make it), never in the project's, so it imports only numpy and supervision: not vms, not
bench. IN.json holds {"fps", "repeats", "frames": [[[x1, y1, x2, y2, score], ...], ...],
"settings": {name: ByteTrack keyword arguments}}; OUT.json gets {"version", "results": {name:
{"ids": per frame, per detection the track id or 0, "cpu_s": the least CPU seconds of
`repeats` runs}}}. Only `update_with_detections` is timed: the `sv.Detections` are built first,
as our tracker's `Detection`s are in the bench.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

warnings.simplefilter("ignore")  # ByteTrack's deprecation and the missing-opencv notice
try:
    import supervision as sv  # type: ignore[import-not-found]
except ImportError:
    print("supervision is not installed for this python", file=sys.stderr)
    raise SystemExit(2) from None

Frame = list[list[float]]


def run(
    frames: list[Frame], fps: float, settings: dict[str, float]
) -> tuple[list[list[int]], float]:
    """The track id of every detection (0: none) and the CPU seconds of the updates."""
    inputs = []
    for frame in frames:
        rows = np.array(frame, dtype=np.float32).reshape(-1, 5)
        inputs.append(
            sv.Detections(
                xyxy=rows[:, :4],
                confidence=rows[:, 4],
                class_id=np.zeros(len(rows), dtype=int),
                data={"index": np.arange(len(rows))},
            )
        )
    tracker = sv.ByteTrack(frame_rate=fps, **settings)
    ids: list[list[int]] = []
    cpu_s = 0.0
    for detections in inputs:
        start = time.process_time()
        tracked = tracker.update_with_detections(detections)
        cpu_s += time.process_time() - start
        frame_ids = [0] * len(detections)
        if len(tracked) == 0:  # then it answers `Detections.empty()`, without our data
            ids.append(frame_ids)
            continue
        for index, track_id in zip(tracked.data["index"], tracked.tracker_id, strict=True):
            frame_ids[int(index)] = int(track_id)
        ids.append(frame_ids)
    return ids, cpu_s


def main() -> int:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    job = json.loads(source.read_text())
    results = {}
    for name, settings in job["settings"].items():
        runs = [run(job["frames"], job["fps"], settings) for _ in range(job["repeats"])]
        results[name] = {"ids": runs[0][0], "cpu_s": min(cpu for _, cpu in runs)}
    target.write_text(json.dumps({"version": sv.__version__, "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
