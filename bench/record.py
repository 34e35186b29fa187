"""Recording benchmark: VMS against one `ffmpeg -c copy -f segment` process per camera.

Both recorders pull the same simulated 1080p25 H.264 cameras (looped file mode) in the same run,
one after the other, for the same time. Reported per N cameras: CPU milliseconds per
camera-second of each (the recorder's own process tree only; the simulator is not counted), their
ratio, resident (RSS) and unique (USS) memory per camera, and frames lost (frames missing from the
files inside the recorded span, counted from the stored timestamps).

Usage: python bench/record.py [--cameras 8 32 64] [--seconds 60] [--warmup 10]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import cpu_seconds, looped_cameras, tree, vms_serve


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one recorder did with N cameras."""

    name: str
    cameras: int
    cpu_ms_per_camera_s: float
    rss_mb_per_camera: float
    uss_mb_per_camera: float
    frames_in_files: int
    frames_lost: int


def memory(procs: list[psutil.Process]) -> tuple[float, float]:
    rss = uss = 0.0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            info = p.memory_full_info()
            rss += info.rss
            uss += info.uss
    return rss, uss


def measure(
    procs: list[psutil.Process], warmup_s: float, seconds: float
) -> tuple[float, float, float]:
    """CPU seconds over the window after warm-up, and peak RSS/USS sampled during it."""
    time.sleep(warmup_s)
    start = cpu_seconds(procs)
    peak_rss = peak_uss = 0.0
    end_at = time.monotonic() + seconds
    while time.monotonic() < end_at:
        time.sleep(min(5.0, max(0.0, end_at - time.monotonic())))
        rss, uss = memory(procs)
        peak_rss, peak_uss = max(peak_rss, rss), max(peak_uss, uss)
    return cpu_seconds(procs) - start, peak_rss, peak_uss


def count_frames(files: list[Path], fps: float = 25.0) -> tuple[int, int]:
    """Frames in the files, and frames missing inside each file's span (holes in the timestamps).

    A stream-copy recorder must keep every frame between a file's first and last timestamp, so
    (span x fps + 1) - frames counted is what it lost there.
    """
    frames = lost = 0
    for path in sorted(files):
        try:
            with av.open(str(path)) as container:
                stream = container.streams.video[0]
                tb = stream.time_base or Fraction(1, 90000)
                stamps = [
                    float(p.pts * tb)
                    for p in container.demux(stream)
                    if p.size and p.pts is not None
                ]
        except av.error.FFmpegError:
            continue
        if stamps:
            frames += len(stamps)
            expected = round((max(stamps) - min(stamps)) * fps) + 1
            lost += max(0, expected - len(stamps))
    return frames, lost


def summarise(
    name: str,
    files: list[Path],
    *,
    cameras: int,
    seconds: float,
    cpu_s: float,
    rss: float,
    uss: float,
) -> RunResult:
    """Per-camera figures of one recorder's run, with the frames found in what it wrote."""
    frames, lost = count_frames(files)
    per_camera_mb = cameras * 2**20
    return RunResult(
        name,
        cameras,
        cpu_s * 1000 / (cameras * seconds),
        rss / per_camera_mb,
        uss / per_camera_mb,
        frames,
        lost,
    )


def run_vms(url: str, cameras: int, warmup_s: float, seconds: float) -> RunResult:
    with tempfile.TemporaryDirectory(prefix="bench-vms-") as tmp:
        data = Path(tmp)
        configs = [
            {
                "id": f"cam{i}",
                "name": f"Camera {i}",
                "main_url": f"{url}/cam{i}/main",
                "record": True,
                "record_stream": "main",
            }
            for i in range(1, cameras + 1)
        ]
        with vms_serve(data, configs) as server:
            cpu_s, rss, uss = measure(tree(server.process), warmup_s, seconds)
        return summarise(
            "vms",
            list((data / "recordings").rglob("*.mp4")),
            cameras=cameras,
            seconds=seconds,
            cpu_s=cpu_s,
            rss=rss,
            uss=uss,
        )


def run_ffmpeg(url: str, cameras: int, warmup_s: float, seconds: float) -> RunResult:
    with tempfile.TemporaryDirectory(prefix="bench-ffmpeg-") as tmp:
        procs = []
        for i in range(1, cameras + 1):
            out = Path(tmp) / f"cam{i}"
            out.mkdir()
            procs.append(
                subprocess.Popen(
                    [
                        "ffmpeg",
                        "-nostdin",
                        "-loglevel",
                        "fatal",
                        "-rtsp_transport",
                        "tcp",
                        "-i",
                        f"{url}/cam{i}/main",
                        "-c",
                        "copy",
                        "-f",
                        "segment",
                        "-segment_time",
                        "60",
                        "-segment_format",
                        "mp4",
                        "-reset_timestamps",
                        "1",
                        str(out / "%05d.mp4"),
                    ],
                )
            )
        try:
            cpu_s, rss, uss = measure([psutil.Process(p.pid) for p in procs], warmup_s, seconds)
        finally:
            for p in procs:
                p.send_signal(signal.SIGINT)  # lets ffmpeg finish the current segment's moov
            for p in procs:
                try:
                    p.wait(60)
                except subprocess.TimeoutExpired:
                    p.kill()
        return summarise(
            "ffmpeg",
            list(Path(tmp).rglob("*.mp4")),
            cameras=cameras,
            seconds=seconds,
            cpu_s=cpu_s,
            rss=rss,
            uss=uss,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        print("ffmpeg is not installed: run `make setup`", file=sys.stderr)
        return 2
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    results: list[RunResult] = []
    header = (
        f"{'N':>3} {'recorder':>8} {'CPU ms/cam-s':>13} {'RSS MB/cam':>11} "
        f"{'USS MB/cam':>11} {'frames':>8} {'lost':>5}"
    )
    print(header)
    for n in args.cameras:
        with looped_cameras(n) as url:
            pair = [
                run_vms(url, n, args.warmup, args.seconds),
                run_ffmpeg(url, n, args.warmup, args.seconds),
            ]
        for r in pair:
            results.append(r)
            print(
                f"{r.cameras:>3} {r.name:>8} {r.cpu_ms_per_camera_s:>13.2f} "
                f"{r.rss_mb_per_camera:>11.1f} {r.uss_mb_per_camera:>11.1f} "
                f"{r.frames_in_files:>8} {r.frames_lost:>5}"
            )
        vms_r, ff_r = pair
        print(
            f"{n:>3}   ratio  CPU {vms_r.cpu_ms_per_camera_s / ff_r.cpu_ms_per_camera_s:.2f}x"
            f"  USS {vms_r.uss_mb_per_camera / ff_r.uss_mb_per_camera:.2f}x  (VMS / ffmpeg)"
        )
    if args.json:
        args.json.write_text(json.dumps([dataclasses.asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
