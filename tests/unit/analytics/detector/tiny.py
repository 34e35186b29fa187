"""Tiny ONNX models built in the tests with `onnx.helper`: an input of the shape a family
expects and outputs that are constant tensors the test chose, so the boxes a detector must
report are known exactly, and the real onnxruntime session runs as it would with real weights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

from vms.config.detector import DetectorConfig, Family

LABELS = ("person", "car", "dog")


def constant_model(
    path: Path,
    input_name: str,
    input_shape: Sequence[int | str],
    outputs: Mapping[str, npt.NDArray[np.generic]],
    *,
    input_type: int = TensorProto.FLOAT,
) -> Path:
    """A model whose outputs are `outputs` whatever the input (which it declares but ignores)."""
    nodes = [
        helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value, name))
        for name, value in outputs.items()
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info(input_name, input_type, list(input_shape))],
        [
            helper.make_tensor_value_info(
                name, helper.np_dtype_to_tensor_dtype(value.dtype), list(value.shape)
            )
            for name, value in outputs.items()
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def labels_file(folder: Path, labels: Sequence[str] = LABELS) -> Path:
    path = folder / "labels.txt"
    path.write_text("\n".join(labels) + "\n")
    return path


def config(model: Path, labels: Path, family: Family, **fields: object) -> DetectorConfig:
    """A detector configuration for a tiny model (absolute paths: no models-folder lookup)."""
    return DetectorConfig.model_validate(
        {"model": model, "labels": labels, "family": family, **fields}
    )


def frame(width: int, height: int, bgr: tuple[int, int, int] = (0, 0, 0)) -> npt.NDArray[np.uint8]:
    image = np.empty((height, width, 3), np.uint8)
    image[:] = bgr
    return image


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two x1, y1, x2, y2 boxes."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
