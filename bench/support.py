"""Shared pieces of the benchmarks: ports, the simulator, a `vms serve`, CPU, percentiles, tables.

Every bench script runs real processes (`vms simulate`, `vms serve`) and prints a table of rows;
these helpers start and stop those processes the same way everywhere, so that the scripts differ
only in what they measure. Scripts import this module as `bench.support` (each puts the
repository root on sys.path, so that `python bench/<name>.py` works as well as
`import bench.<name>`).

VMS asks every API, stream, WebSocket and RTSP restream client to sign in: `vms serve` starts here
with the first admin's password BENCH_ADMIN_PASSWORD, and clients send it as HTTP Basic
(BENCH_AUTH for httpx, BENCH_AUTH_HEADER for WebSocket and raw RTSP clients, `VmsServer.rtsp_url`
for players that take user:password@ in the URL). VMS caches a Basic answer for a few minutes, so
only the first request pays for its Argon2 check (~0.1 s): a benchmark that times a first request
calls `warm_credentials` just before.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
VMS = str(Path(sys.executable).with_name("vms"))
SAMPLE = ROOT / ".cache" / "bench" / "sample-1080p25-4M-gop2.mp4"
GOP_CACHED_S = 2.5  # after a camera streams: a whole GOP (2 s) is in the hub's cache
Row = dict[str, object]
BENCH_ADMIN = "admin"  # the first user `vms serve` makes on a new data folder
BENCH_ADMIN_PASSWORD = "bench-admin-password"
BENCH_AUTH = httpx.BasicAuth(BENCH_ADMIN, BENCH_ADMIN_PASSWORD)
BENCH_AUTH_HEADER = {
    "Authorization": "Basic "
    + base64.b64encode(f"{BENCH_ADMIN}:{BENCH_ADMIN_PASSWORD}".encode()).decode()
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_sample() -> Path:
    """The looped camera file: 10 s of 1080p25 H.264 at about 4 Mbit/s with a 2 s GOP."""
    if not SAMPLE.exists():
        SAMPLE.parent.mkdir(parents=True, exist_ok=True)
        args = "--seconds 10 --size 1920x1080 --fps 25 --bitrate 4M --gop-seconds 2 --audio none"
        subprocess.run([VMS, "simulate", "--write-sample", str(SAMPLE), *args.split()], check=True)
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
def simulator(*args: str) -> Iterator[str]:
    """`vms simulate` with `args` on a free port; yields its base URL (rtsp://127.0.0.1:PORT)."""
    port = free_port()
    command = [VMS, "simulate", "--port", str(port), *args]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        wait_for_line(proc, "ready", 60)
        yield f"rtsp://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def looped_cameras(cameras: int) -> contextlib.AbstractContextManager[str]:
    """The simulator serving `cameras` cameras that all loop the sample file (no audio)."""
    return simulator("--cameras", str(cameras), "--source", str(ensure_sample()), "--audio", "none")


@dataclass(frozen=True, slots=True)
class VmsServer:
    """A running `vms serve`: its HTTP base URL, RTSP port and process."""

    base_url: str
    rtsp_port: int
    popen: subprocess.Popen[bytes]
    process: psutil.Process

    def rtsp_url(self, path: str) -> str:
        """The restream URL of `path` (e.g. cam1), signed in through the URL's userinfo."""
        return f"rtsp://{BENCH_ADMIN}:{BENCH_ADMIN_PASSWORD}@127.0.0.1:{self.rtsp_port}/{path}"


@contextlib.contextmanager
def vms_serve(
    data_dir: Path,
    cameras: Sequence[Mapping[str, object]],
    live: Mapping[str, object] | None = None,
    extra: Mapping[str, Mapping[str, object]] | None = None,
) -> Iterator[VmsServer]:
    """`vms serve` on `data_dir` with `cameras` (and a `live` section, and any `extra` sections
    such as `analytics`), its first admin's password BENCH_ADMIN_PASSWORD (`data_dir` is new);
    stopped on exit."""
    port, rtsp_port = free_port(), free_port()
    config: dict[str, object] = {
        "server": {"port": port, "rtsp_port": rtsp_port},
        "storage": {"data_dir": str(data_dir)},
        "logging": {"level": "WARNING"},
        "cameras": [dict(camera) for camera in cameras],
    }
    if live is not None:
        config["live"] = dict(live)
    for section, values in (extra or {}).items():
        config[section] = dict(values)
    path = data_dir / "vms.yaml"
    path.write_text(yaml.safe_dump(config))
    env = dict(os.environ, VMS_ADMIN_PASSWORD=BENCH_ADMIN_PASSWORD)
    command = [VMS, "serve", "--config", str(path)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    try:
        yield VmsServer(f"http://127.0.0.1:{port}", rtsp_port, proc, psutil.Process(proc.pid))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


@contextlib.contextmanager
def streaming_vms(
    camera_id: str, url: str, live: Mapping[str, object], prefix: str
) -> Iterator[tuple[str, psutil.Process]]:
    """`vms serve` with one camera (not recorded), once it streams and has a GOP cached; yields
    its base URL and process."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        camera = {"id": camera_id, "main_url": url, "record": False}
        with vms_serve(Path(tmp), [camera], live) as server:
            wait_streaming(server, camera_id)
            time.sleep(GOP_CACHED_S)
            yield server.base_url, server.process


def wait_streaming(server: VmsServer, camera_id: str, timeout_s: float = 60.0) -> None:
    """Until the camera's main stream is `streaming` in VMS's status."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.popen.poll() is not None:
            raise RuntimeError("vms serve exited")
        with contextlib.suppress(httpx.HTTPError):
            url = f"{server.base_url}/api/v1/cameras/{camera_id}/status"
            status = httpx.get(url, auth=BENCH_AUTH, timeout=2)
            if status.status_code == 401:
                raise RuntimeError("VMS refused the bench admin's credentials")
            if status.is_success and status.json()["streams"][0]["state"] == "streaming":
                return
        time.sleep(0.2)
    raise TimeoutError("the camera did not start streaming")


def warm_credentials(base_url: str) -> None:
    """One untimed signed-in request (on a connection of its own), so that VMS has checked and
    cached BENCH_AUTH before a timed first request; fails if VMS refuses the credentials."""
    response = httpx.get(f"{base_url}/api/v1/auth/session", auth=BENCH_AUTH, timeout=10)
    if response.status_code != 200:
        raise RuntimeError(f"VMS refused the bench admin's credentials: {response.status_code}")


def tree(proc: psutil.Process) -> list[psutil.Process]:
    return [proc, *proc.children(recursive=True)]


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile `q` (0-100) of non-empty `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def print_rows(rows: list[Row]) -> None:
    """Rows as an aligned table (columns in order of first appearance, floats to 2 places)."""
    if not rows:
        print("(no rows)")
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for line in cells:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)))


def _cell(value: object) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def bench_arguments(doc: str, quick_help: str) -> argparse.ArgumentParser:
    """The options of a live bench script: --quick and --json PATH (described by `doc`)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    return parser


def report(
    rows: list[Row], json_path: Path | None, show: Callable[[list[Row]], None] = print_rows
) -> int:
    """Print the rows (with `show`), write them as JSON where asked; the exit status."""
    show(rows)
    if json_path:
        json_path.write_text(json.dumps(rows, indent=2))
    return 0
