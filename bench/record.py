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
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
VMS = str(Path(sys.executable).with_name("vms"))
SAMPLE = ROOT / ".cache" / "bench" / "sample-1080p25-4M-gop2.mp4"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_sample() -> Path:
    """The looped camera file: 10 s of 1080p25 H.264 at about 4 Mbit/s with a 2 s GOP."""
    if not SAMPLE.exists():
        SAMPLE.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                VMS,
                "simulate",
                "--write-sample",
                str(SAMPLE),
                "--seconds",
                "10",
                "--size",
                "1920x1080",
                "--fps",
                "25",
                "--bitrate",
                "4M",
                "--gop-seconds",
                "2",
                "--audio",
                "none",
            ],
            check=True,
        )
    return SAMPLE


def wait_for_line(proc: subprocess.Popen[str], prefix: str, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"process exited before printing {prefix!r}")
        if line.startswith(prefix):
            return line.strip()
    raise TimeoutError(f"no {prefix!r} within {timeout_s} s")


@contextlib.contextmanager
def simulator(cameras: int) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            VMS,
            "simulate",
            "--cameras",
            str(cameras),
            "--source",
            str(ensure_sample()),
            "--port",
            str(port),
            "--audio",
            "none",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_line(proc, "ready", 60)
        yield f"rtsp://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def tree(proc: psutil.Process) -> list[psutil.Process]:
    return [proc, *proc.children(recursive=True)]


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            t = p.cpu_times()
            total += t.user + t.system
    return total


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
        config = {
            "server": {"port": free_port(), "rtsp_port": free_port()},
            "storage": {"data_dir": str(data)},
            "logging": {"level": "WARNING"},
            "cameras": [
                {
                    "id": f"cam{i}",
                    "name": f"Camera {i}",
                    "main_url": f"{url}/cam{i}/main",
                    "record": True,
                    "record_stream": "main",
                }
                for i in range(1, cameras + 1)
            ],
        }
        cfg = data / "vms.yaml"
        cfg.write_text(yaml.safe_dump(config))
        proc = subprocess.Popen([VMS, "serve", "--config", str(cfg)], stdout=subprocess.DEVNULL)
        ps = psutil.Process(proc.pid)
        try:
            cpu_s, rss, uss = measure(tree(ps), warmup_s, seconds)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
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
        with simulator(n) as url:
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
