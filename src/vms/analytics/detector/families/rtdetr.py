"""RT-DETR exports in the Ultralytics layout: RGB input scaled to 0..1; one output [1, Q, 4+C]
of Q queries (300), each cx, cy, w, h normalised to the input (0..1) and C class scores.

Scores are sigmoid probabilities in that export; `logits=True` applies the sigmoid for exports
that give raw logits. The model has no NMS to need, but the shared per-class NMS does no harm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vms.analytics.detector.families.base import (
    Candidates,
    Outputs,
    RgbLetterboxed,
    Size,
    above,
    sigmoid,
    xywh_to_xyxy,
)


@dataclass(frozen=True, slots=True)
class RtDetr(RgbLetterboxed):
    def decode(self, outputs: Outputs, floor: float, input_size: Size) -> Candidates:
        (output,) = outputs.values()
        queries = np.asarray(output, np.float32)
        if queries.ndim != 3 or queries.shape[2] != 4 + self.classes:
            raise ValueError(f"rtdetr: output {queries.shape} is not [1, Q, 4+{self.classes}]")
        queries = queries[0]
        scores = sigmoid(queries[:, 4:]) if self.logits else queries[:, 4:]
        picked, classes = above(scores, floor)
        width, height = input_size
        scale = np.array([width, height, width, height], np.float32)
        boxes = xywh_to_xyxy(queries[picked, :4] * scale)
        return Candidates(boxes, scores[picked, classes], classes.astype(np.int64))
