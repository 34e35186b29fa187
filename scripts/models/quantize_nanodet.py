"""Makes models/nanodet-m-int8.onnx: NanoDet-m with int8 convolutions, for CPUs.

Why: on this 2-core AVX2 machine the fp32 model cost 45 ms per 4:3 frame on one thread, and
eight cameras at 5 fps did not fit in 60 % of the cores; int8 convolutions halve that. Only the
convolutions are quantized (weights int8 per channel, activations uint8): quantizing the heads
too (sigmoid scores, the box bins' softmax input) found nothing at all. Weights use 7 bits
(`reduce_range`) so that CPUs without VNNI cannot saturate their 16-bit sums.

Calibration (min/max of each activation) runs on 40 frames of `vtest.avi` (walkers on a campus
path, from Debian's opencv-doc: `make media`), prepared exactly as the detector prepares them.
How close it stays to fp32 is tested on 50 other frames (tests/integration/analytics/
test_quantized_model.py). Usage, from the repository root with the project's venv:
  .venv/bin/python scripts/models/quantize_nanodet.py [OUTPUT]   (default .cache/models/...)
  .venv/bin/python scripts/models/quantize_nanodet.py --check    also compare with the shipped file
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
from onnxruntime.quantization import (  # type: ignore[import-untyped]
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import (  # type: ignore[import-untyped]
    quant_pre_process,
)

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))

from vms.analytics.detector.build import build_detector  # noqa: E402

SOURCE = REPO / "models" / "nanodet-m.onnx"
SHIPPED = REPO / "models" / "nanodet-m-int8.onnx"
VTEST = REPO / ".cache" / "media" / "vtest.avi"
CALIBRATION_FRAMES = range(0, 795, 20)  # 40 frames; the agreement test uses others


def vtest_frames(numbers: range) -> list[np.ndarray]:
    """The BGR frames of vtest.avi with the given numbers."""
    if not VTEST.exists():
        raise SystemExit(f"{VTEST} is missing: run `make media` first")
    wanted = set(numbers)
    with av.open(str(VTEST)) as container:
        return [
            frame.to_ndarray(format="bgr24")
            for index, frame in enumerate(container.decode(video=0))
            if index in wanted
        ]


class VtestFrames(CalibrationDataReader):  # type: ignore[misc]
    """The calibration inputs: vtest frames as the shipped detector prepares them."""

    def __init__(self) -> None:
        family = build_detector({"model": str(SOURCE)}).family
        self._inputs: Iterator[dict[str, np.ndarray]] = iter(
            [family.prepare(frame)[0] for frame in vtest_frames(CALIBRATION_FRAMES)]
        )

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._inputs, None)


def quantize(output: Path) -> None:
    with tempfile.TemporaryDirectory() as work:
        prepared = Path(work) / "prepared.onnx"
        quant_pre_process(str(SOURCE), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(output),
            VtestFrames(),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=["Conv"],
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            calibrate_method=CalibrationMethod.MinMax,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, nargs="?")
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args()
    output = args.output or REPO / ".cache" / "models" / SHIPPED.name
    output.parent.mkdir(parents=True, exist_ok=True)
    quantize(output)
    print(f"wrote {output}")
    if not args.check:
        return 0
    from onnx_digest import content_digest

    same = content_digest(output) == content_digest(SHIPPED)
    print("ok: same content as the shipped file" if same else "differs from the shipped file")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
