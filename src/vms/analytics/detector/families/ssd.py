"""SSD models from the TensorFlow object-detection API (e.g. the SSDLite pedestrian model),
converted to ONNX: uint8 RGB input NHWC (the graph normalises and resizes itself), NMS inside
the graph, outputs found by name: `detection_boxes` [1, K, 4] as ymin, xmin, ymax, xmax
normalised to the input, `detection_scores` [1, K], `detection_classes` [1, K] (1-based: class 1
is the first line of the label file) and `num_detections` [1] (how many of the K are real).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vms.analytics.detection import FrameBGR
from vms.analytics.detector.families.base import Candidates, Inputs, Outputs, Size
from vms.analytics.detector.letterbox import Letterbox, letterbox


def _output(outputs: Mapping[str, npt.NDArray[np.generic]], part: str) -> npt.NDArray[np.float32]:
    for name, value in outputs.items():
        if part in name:
            return np.asarray(value, np.float32)
    raise ValueError(f"ssd: no output named like {part!r} (got {sorted(outputs)})")


@dataclass(frozen=True, slots=True)
class Ssd:
    input_name: str
    size: tuple[int, int]  # width, height

    def prepare(self, frame: FrameBGR) -> tuple[Inputs, Letterbox]:
        image, box = letterbox(frame, self.size, (0, 0, 0))
        return {self.input_name: np.ascontiguousarray(image[np.newaxis, :, :, ::-1])}, box

    def decode(self, outputs: Outputs, floor: float, input_size: Size) -> Candidates:
        boxes = _output(outputs, "detection_boxes")[0]
        scores = _output(outputs, "detection_scores")[0]
        classes = _output(outputs, "detection_classes")[0]
        count = int(_output(outputs, "num_detections").reshape(-1)[0])
        boxes, scores, classes = boxes[:count], scores[:count], classes[:count]
        keep = scores >= floor
        width, height = input_size
        corners = boxes[keep][:, [1, 0, 3, 2]] * np.array([width, height, width, height])
        return Candidates(
            corners.astype(np.float32),
            scores[keep].astype(np.float32),
            classes[keep].astype(np.int64) - 1,
        )
