"""YOLO exports: RGB input scaled to 0..1, letterboxed on grey (114) as in training.

Two output layouts, told apart by the label count C:
- v5 (and v7): [1, N, 5+C], rows of cx, cy, w, h, objectness, C class scores; score = obj × cls;
- v8, v9, v11: [1, 4+C, N], columns of cx, cy, w, h, C class scores; no objectness.
Boxes are in input pixels. Scores are probabilities in the usual exports; `logits=True` applies
the sigmoid for exports that leave it out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vms.analytics.detector.families.base import (
    Candidates,
    Outputs,
    RgbLetterboxed,
    Size,
    Tensor,
    above,
    sigmoid,
    xywh_to_xyxy,
)


def rows_of(output: Tensor, classes: int) -> tuple[Tensor, bool]:
    """The output as N rows and whether they carry an objectness column."""
    if output.ndim != 3 or output.shape[0] != 1:
        raise ValueError(f"yolo: output {output.shape} is not [1, a, b]")
    a, b = output.shape[1:]
    if b == 5 + classes:
        return output[0], True
    if a == 4 + classes:
        return output[0].T, False
    if b == 4 + classes:
        return output[0], False
    if a == 5 + classes:
        return output[0].T, True
    raise ValueError(f"yolo: output {output.shape} fits neither layout for {classes} labels")


@dataclass(frozen=True, slots=True)
class Yolo(RgbLetterboxed):
    def decode(self, outputs: Outputs, floor: float, input_size: Size) -> Candidates:
        (output,) = outputs.values()
        rows, objectness = rows_of(np.asarray(output, np.float32), self.classes)
        scores = rows[:, 5:] if objectness else rows[:, 4:]
        if self.logits:
            scores = sigmoid(scores)
        if objectness:
            obj = rows[:, 4:5]
            scores = scores * (sigmoid(obj) if self.logits else obj)
        picked, classes = above(scores, floor)
        boxes = xywh_to_xyxy(rows[picked, :4])
        return Candidates(boxes, scores[picked, classes], classes.astype(np.int64))
