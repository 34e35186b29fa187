"""Benchmark: what object detection costs here: the detector, N cameras beside recording, latency.

Usage: python bench/analytics.py [--quick] [--json PATH] [--model MODEL ...]
           [--parts detector load latency] [--cameras 8] [--seconds 60] [--workers 2]
           [--load-model MODEL]   (the load part's detector; default shipped)
       (MODEL: NAME=FILE:FAMILY:LABELS[:WxH][:upscale], WxH the largest input, upscale:
       smaller frames enlarged to it)
       (--quick: 2 cameras, 8 s windows, 3 crossings: about 2 minutes in all; the detector
       part alone about 15 s)

Each model (the shipped NanoDet-m with int8 convolutions, its fp32 original, plus any `--model`,
e.g. the shipped person-only SSDLite: `--model ssdlite=ssdlite-person.onnx:ssd:person.txt`) runs
with 1 and with 2 onnxruntime threads on real photographs (scikit-image's sample pictures) at a
4:3 and a 16:9 camera size, beside the baseline `nanodet-m square`: the fp32 model letterboxed to
416×416 whatever the camera, as before its input was fitted to each frame's aspect. Two
timings per row: the model alone (`session.run` on a prepared input) and the whole `detect`
(letterbox, normalise, run, decode, NMS, filters), as wall milliseconds per frame (median and
p95) and CPU milliseconds per frame (so a share of the 2 cores); fps is 1000 / median detect.

Then, in real `vms serve` processes against the simulator: `load` (bench/analytics_load.py:
N cameras of the vtest street scene recorded and analysed at 5 fps with detection off, motion-
gated and always: CPU of the process tree and of the main process, frames analysed and dropped,
memory per analysed camera, the recording process's CPU with and without analytics) and
`latency` (bench/analytics_latency.py: the composite scene's walker crossing a line rule, from
the crossing frame's wall time to the event on the SSE stream, p50 and p95). A stage is a
function (quick) -> rows; `stages` lists them in order.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np
import onnx
import skimage

from bench.analytics_latency import latency_rows
from bench.analytics_load import LoadSettings, load_rows
from bench.support import Row, bench_arguments, percentile, print_rows
from vms.analytics.detection import FrameBGR
from vms.analytics.detector import OnnxDetector, build_detector
from vms.analytics.detector.paths import FP32_MODEL, resolve
from vms.config.detector import DetectorConfig

PICTURES = ("astronaut.png", "coffee.png", "motorcycle_left.png", "camera.png")
PARTS = ("detector", "load", "latency")
# vtest.avi's size (4:3) and a common camera's (16:9): the fitted NanoDet input differs.
CAMERA_SIZES = {"4:3": (768, 576), "16:9": (1280, 720)}
Stage = Callable[[bool], list[Row]]


@dataclass(frozen=True, slots=True)
class Timing:
    """Milliseconds per frame: wall median and p95, CPU mean."""

    median_ms: float
    p95_ms: float
    cpu_ms: float


def camera_frames(size: tuple[int, int]) -> list[FrameBGR]:
    """Real pictures at a camera's size (stretched: the content matters, not its proportions)."""
    folder = Path(skimage.__file__).parent / "data"
    frames = []
    for name in PICTURES:
        image = cv2.imread(str(folder / name), cv2.IMREAD_COLOR)
        assert image is not None, name
        resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        frames.append(np.asarray(resized, np.uint8))
    return frames


def time_calls(call: Callable[[int], object], runs: int, warmup: int = 5) -> Timing:
    """Time `call(i)` for i in range(runs), after `warmup` untimed calls."""
    for i in range(warmup):
        call(i)
    walls = []
    cpu_start = time.process_time()
    for i in range(runs):
        started = time.perf_counter()
        call(i)
        walls.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_start) * 1000 / runs
    return Timing(percentile(walls, 50), percentile(walls, 95), cpu_ms)


def time_detector(
    detector: OnnxDetector, frames: list[FrameBGR], runs: int
) -> tuple[Timing, Timing]:
    """(model alone, whole detect) on the frames in turn."""
    prepared = [detector.family.prepare(frame)[0] for frame in frames]
    session = detector.session
    model = time_calls(lambda i: session.run(None, prepared[i % len(prepared)]), runs)
    whole = time_calls(lambda i: detector.detect(frames[i % len(frames)]), runs)
    return model, whole


def square_copy(config: DetectorConfig, folder: Path) -> DetectorConfig:
    """The fp32 NanoDet-m as it was before its sides were made dynamic (a declared 416×416
    input, so every frame is letterboxed to the square): the baseline of the fitted input."""
    model = onnx.load(str(resolve(config.model)))
    for dim in model.graph.input[0].type.tensor_type.shape.dim[2:]:
        dim.dim_value = 416
    path = folder / "nanodet-m-416x416.onnx"
    onnx.save(model, str(path))
    return config.model_copy(update={"model": path, "labels": resolve(config.labels)})


def detector_rows(models: dict[str, DetectorConfig], runs: int) -> list[Row]:
    """One row per model, camera aspect and thread count."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-square-") as folder:
        square = square_copy(models["nanodet-m fp32"], Path(folder))
        for name, config in {"nanodet-m square": square, **models}.items():
            for aspect, size in CAMERA_SIZES.items():
                rows += model_rows(name, config, aspect, camera_frames(size), runs)
    return rows


def model_rows(
    name: str, config: DetectorConfig, aspect: str, frames: list[FrameBGR], runs: int
) -> list[Row]:
    """One row per thread count for one model on one camera aspect."""
    rows: list[Row] = []
    for threads in (1, 2):
        detector = build_detector(config.model_copy(update={"threads": threads}))
        model, whole = time_detector(detector, frames, runs)
        found = sum(len(detector.detect(frame)) for frame in frames)
        _, placed = detector.family.prepare(frames[0])
        rows.append(
            {
                "model": name,
                "camera": aspect,
                "input": "×".join(map(str, placed.input_size)),
                "threads": threads,
                "model_ms_p50": model.median_ms,
                "detect_ms_p50": whole.median_ms,
                "detect_ms_p95": whole.p95_ms,
                "cpu_ms_per_frame": whole.cpu_ms,
                "fps": 1000 / whole.median_ms,
                "objects_in_4_pictures": found,
            }
        )
    return rows


def parse_model(text: str) -> tuple[str, DetectorConfig]:
    """NAME=FILE:FAMILY:LABELS[:WxH][:upscale] → a named configuration (WxH: the largest
    input; `upscale`: smaller frames are enlarged to it, as they were before they kept their
    size)."""
    name, _, spec = text.partition("=")
    model, family, labels, *options = spec.split(":")
    fields: dict[str, object] = {"model": model, "family": family, "labels": labels}
    for option in options:
        if option == "upscale":
            fields["upscale"] = True
        else:
            fields["input_size"] = tuple(int(side) for side in option.split("x"))
    return name, DetectorConfig.model_validate(fields)


def load_settings(args: argparse.Namespace) -> LoadSettings:
    """The load part's run: `--quick` makes it 2 cameras and 8 s windows unless told otherwise."""
    cameras = args.cameras or (2 if args.quick else 8)
    seconds = args.seconds or (8.0 if args.quick else 60.0)
    detector = {} if args.load_model is None else args.load_model[1].model_dump(mode="json")
    return LoadSettings(cameras, args.workers, 5.0 if args.quick else 15.0, seconds, detector)


def stages(extra: dict[str, DetectorConfig], args: argparse.Namespace) -> list[Stage]:
    """The measurements asked for (`--parts`), in order."""
    models = {
        "nanodet-m fp32": DetectorConfig(model=Path(FP32_MODEL)),
        "nanodet-m (shipped)": DetectorConfig(),
        **extra,
    }
    every: dict[str, Stage] = {
        "detector": lambda quick: detector_rows(models, 12 if quick else 200),
        "load": lambda quick: load_rows(load_settings(args)),
        "latency": lambda quick: latency_rows(3 if quick else 12),
    }
    return [every[part] for part in args.parts]


def main() -> int:
    parser = bench_arguments(__doc__ or "", "30 frames per timing, 2 cameras, 3 crossings")
    parser.add_argument("--model", action="append", default=[], type=parse_model)
    parser.add_argument(
        "--parts", nargs="+", choices=PARTS, default=list(PARTS), help="what to measure"
    )
    parser.add_argument("--cameras", type=int, help="cameras in the load part (8; quick: 2)")
    parser.add_argument("--seconds", type=float, help="load part's window (60; quick: 8)")
    parser.add_argument("--workers", type=int, default=2, help="inference worker processes")
    parser.add_argument(
        "--load-model",
        type=parse_model,
        help="NAME=FILE:FAMILY:LABELS[:WxH][:upscale] for the load part",
    )
    args: argparse.Namespace = parser.parse_args()
    rows: list[Row] = []
    for stage in stages(dict(args.model), args):
        stage_rows = stage(args.quick)
        print_rows(stage_rows)  # each part's table as soon as it is measured
        print(flush=True)
        rows += stage_rows
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
