"""Benchmark stage: N cameras of real walkers analysed at 5 fps beside recording, in a real VMS.

One simulator (`vms simulate --scene vtest`: the 768×576 street clip at 10 fps, sub stream
384×288) serves every camera; one `vms serve` after another records each camera's main stream
and analyses its sub stream with detection `off` (recording only), `motion` (gated) and
`always`, for the same window after the same warm-up. Per mode:
- CPU of the whole VMS process tree (the inference workers are child processes) and of the main
  process alone, as a share of the machine's cores (100 % = all of them busy);
- frames analysed and dropped (`vms_analytics_frames_analysed_total`, `..._dropped_total` from
  /metrics, the window's difference);
- memory: RSS and USS of the tree and RSS of the main process (sampled, peak); the analytics
  modes also give the extra memory per analysed camera against the `off` run, of the tree (that
  includes the worker processes and their model, a fixed cost shared by the cameras, and counts
  pages the forkserver's children share once per process) and of the main process alone;
- the machine's 1-minute load average at the window's end, since other work skews everything;
- recording CPU: the main process's CPU per camera, `off` against each analytics mode (with
  analytics on, the main process also decodes the sub streams, runs motion, tracking, rules and
  JPEG encoding, so that rise is an upper bound), and the recording threads' own CPU per camera
  (each camera's main-stream demux `source-camN/main` and recorder `recorder-camN-main`, from
  `vms_thread_cpu_seconds_total`): what analytics beside them costs the recording path itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families

from bench.support import (
    BENCH_AUTH,
    Row,
    VmsServer,
    cpu_seconds,
    simulator,
    tree,
    vms_serve,
    wait_streaming,
)
from vms.config.detector import DetectorConfig

MODES = ("off", "motion", "always")
SCENE_SIZE = "768x576"  # vtest.avi's own size; the sub stream (analysed) is half of it
SCENE_FPS = 10
DETECT_FPS = 5.0
ANALYSED = "vms_analytics_frames_analysed_total"
DROPPED = "vms_analytics_frames_dropped_total"
THREAD_CPU = "vms_thread_cpu_seconds_total"
# The recorded (main) stream's demux and recorder threads; the sub stream's demux serves
# analytics (and is not pulled at all with detection off), so it is not counted.
RECORDING_THREADS = re.compile(r"source-.+/main|recorder-.+-main")
RECORDING = "recording threads"


@dataclass(frozen=True, slots=True)
class LoadSettings:
    """What one load run does: cameras, worker processes, warm-up and measured seconds."""

    cameras: int
    workers: int
    warmup_s: float
    seconds: float
    detector: dict[str, object] = field(default_factory=dict)  # detector_options ({}: shipped)


@dataclass(frozen=True, slots=True)
class ModeResult:
    """What one VMS did with one detection mode over the measured window."""

    mode: str
    tree_cpu_s: float
    main_cpu_s: float
    rss_mb: float
    uss_mb: float
    main_rss_mb: float
    analysed: float
    dropped: dict[str, float]
    recording_cpu_s: float  # the recording threads' CPU over the window
    load_1m: float  # the machine's load average at the window's end (other work shows here)


def counter_totals(text: str) -> dict[str, float]:
    """Prometheus text → {sample name or name{reason=...}: value summed over the cameras}; the
    recording threads' CPU (each camera's demux and recorder) is summed under RECORDING."""
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            reason = sample.labels.get("reason")
            key = f"{sample.name}{{reason={reason}}}" if reason else sample.name
            if sample.name == THREAD_CPU:
                thread = sample.labels.get("thread", "")
                key = RECORDING if RECORDING_THREADS.fullmatch(thread) else key
            totals[key] = totals.get(key, 0.0) + sample.value
    return totals


def metrics(server: VmsServer) -> dict[str, float]:
    response = httpx.get(f"{server.base_url}/metrics", auth=BENCH_AUTH, timeout=10)
    response.raise_for_status()
    return counter_totals(response.text)


def wait_analysing(server: VmsServer, cameras: int, timeout_s: float = 180.0) -> None:
    """Until every camera has had a frame analysed (the workers have loaded the model)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.popen.poll() is not None:
            raise RuntimeError("vms serve exited")
        text = httpx.get(f"{server.base_url}/metrics", auth=BENCH_AUTH, timeout=10).text
        seen = {
            sample.labels.get("camera")
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == ANALYSED and sample.value > 0
        }
        if len(seen) >= cameras:
            return
        time.sleep(1.0)
    raise TimeoutError("the cameras were not analysed")


def tree_memory(procs: list[psutil.Process]) -> tuple[float, float]:
    """RSS and USS of the processes, in MiB."""
    rss = uss = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            info = proc.memory_full_info()
            rss += info.rss
            uss += info.uss
    return rss / 2**20, uss / 2**20


def measure_mode(server: VmsServer, mode: str, settings: LoadSettings) -> ModeResult:
    """CPU, memory and counters over the window, after the warm-up."""
    for index in range(1, settings.cameras + 1):
        wait_streaming(server, f"cam{index}")
    if mode != "off":
        wait_analysing(server, settings.cameras if mode == "always" else 1)
    time.sleep(settings.warmup_s)
    procs = tree(server.process)  # the workers are up by now
    before, tree_before, main_before = metrics(server), cpu_seconds(procs), cpu_seconds(procs[:1])
    peak_rss = peak_uss = peak_main = 0.0
    end_at = time.monotonic() + settings.seconds
    while (left := end_at - time.monotonic()) > 0:
        time.sleep(min(2.0, left))
        rss, uss = tree_memory(procs)
        peak_rss, peak_uss = max(peak_rss, rss), max(peak_uss, uss)
        peak_main = max(peak_main, tree_memory(procs[:1])[0])
    tree_cpu, main_cpu = cpu_seconds(procs) - tree_before, cpu_seconds(procs[:1]) - main_before
    after = metrics(server)
    dropped = {
        key.removeprefix(DROPPED): after[key] - before.get(key, 0.0)
        for key in after
        if key.startswith(DROPPED + "{")
    }
    analysed = after.get(ANALYSED, 0.0) - before.get(ANALYSED, 0.0)
    recording = after.get(RECORDING, 0.0) - before.get(RECORDING, 0.0)
    memory = (peak_rss, peak_uss, peak_main)
    load = os.getloadavg()[0]
    return ModeResult(mode, tree_cpu, main_cpu, *memory, analysed, dropped, recording, load)


def camera_configs(url: str, cameras: int) -> list[dict[str, object]]:
    """Each camera records its main stream; analytics takes the sub stream."""
    return [
        {
            "id": f"cam{i}",
            "main_url": f"{url}/cam{i}/main",
            "sub_url": f"{url}/cam{i}/sub",
            "record": True,
            "record_stream": "main",
        }
        for i in range(1, cameras + 1)
    ]


def run_mode(url: str, mode: str, settings: LoadSettings) -> ModeResult:
    analytics = {
        "detect_default": mode,
        "detect_fps": DETECT_FPS,
        "inference_workers": settings.workers,
        "detector_options": settings.detector,
    }
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as tmp:
        cameras = camera_configs(url, settings.cameras)
        with vms_serve(Path(tmp), cameras, extra={"analytics": analytics}) as server:
            return measure_mode(server, mode, settings)


@contextlib.contextmanager
def vtest_cameras(cameras: int, clip_s: float) -> Iterator[str]:
    """The simulator serving `cameras` cameras of the vtest scene (its first `clip_s` seconds)."""
    args = ["--scene", "vtest", "--cameras", str(cameras), "--size", SCENE_SIZE]
    args += ["--fps", str(SCENE_FPS), "--seconds", f"{clip_s:g}", "--audio", "none"]
    with simulator(*args) as url:
        yield url


def model_label(detector: dict[str, Any]) -> str:
    """The load part's model as a row shows it: its file, its input when one is set, and
    whether small frames are enlarged."""
    config = DetectorConfig.model_validate(detector)
    size = f"@{config.input_size[0]}x{config.input_size[1]}" if config.input_size else ""
    return f"{config.model}{size}{' upscaled' if config.upscale else ''}"


def result_rows(results: list[ModeResult], settings: LoadSettings) -> list[Row]:
    """One row per mode; the analytics modes are compared with the `off` run."""
    cores = psutil.cpu_count() or 1
    share = 100 / (settings.seconds * cores)
    base = next(r for r in results if r.mode == "off")
    rows: list[Row] = []
    for result in results:
        row: Row = {
            "detect": result.mode,
            "cameras": settings.cameras,
            "workers": settings.workers,
            "model": model_label(settings.detector),
            "tree_cpu_%": result.tree_cpu_s * share,
            "main_cpu_%": result.main_cpu_s * share,
            "main_ms_per_cam_s": result.main_cpu_s * 1000 / (settings.seconds * settings.cameras),
            "recording_ms_per_cam_s": result.recording_cpu_s
            * 1000
            / (settings.seconds * settings.cameras),
            "analysed_fps": result.analysed / settings.seconds,
            "dropped_fps": sum(result.dropped.values()) / settings.seconds,
            "dropped_by_reason": ", ".join(
                f"{k.strip('{}').removeprefix('reason=')}={v:g}"
                for k, v in result.dropped.items()
                if v
            ),
            "tree_rss_mb": result.rss_mb,
            "tree_uss_mb": result.uss_mb,
            "main_rss_mb": result.main_rss_mb,
            "load_1m": result.load_1m,
        }
        if result is not base:
            row["tree_rss_mb_per_cam_vs_off"] = (result.rss_mb - base.rss_mb) / settings.cameras
            row["main_rss_mb_per_cam_vs_off"] = (
                result.main_rss_mb - base.main_rss_mb
            ) / settings.cameras
            row["main_cpu_vs_off"] = result.main_cpu_s / base.main_cpu_s
            row["recording_cpu_vs_off"] = result.recording_cpu_s / base.recording_cpu_s
        rows.append(row)
    return rows


def load_rows(settings: LoadSettings) -> list[Row]:
    """Every mode, one VMS after another, against the same simulator."""
    clip_s = min(79.0, settings.warmup_s + settings.seconds + 30)
    with vtest_cameras(settings.cameras, clip_s) as url:
        results = [run_mode(url, mode, settings) for mode in MODES]
    return result_rows(results, settings)
