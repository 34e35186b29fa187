"""What every family shares after decoding: NMS per class, then the configured filters (labels
kept, minimum score and box size, each per label), ending in `Detection`s in frame pixels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from vms.analytics.detection import Detection
from vms.analytics.detector.families.base import Candidates
from vms.analytics.detector.labels import label_of
from vms.analytics.detector.letterbox import Letterbox


def nms_per_class(candidates: Candidates, iou: float) -> npt.NDArray[np.intp]:
    """Indexes of the candidates that survive non-maximum suppression within their class, best
    first: a box overlapping a better one of the same class by more than `iou` is a repeat."""
    if len(candidates.scores) == 0:
        return np.zeros(0, np.intp)
    boxes = candidates.boxes
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
    kept = cv2.dnn.NMSBoxesBatched(
        xywh.tolist(), candidates.scores.tolist(), candidates.classes.tolist(), 0.0, iou
    )
    return np.asarray(kept, np.intp).reshape(-1)


@dataclass(frozen=True, slots=True)
class Filters:
    """Which detections are reported. `keep` None: every label."""

    labels: tuple[str, ...]
    keep: frozenset[str] | None = None
    min_score: float = 0.5
    min_score_by_label: Mapping[str, float] = field(default_factory=dict)
    min_size: int = 0
    min_size_by_label: Mapping[str, int] = field(default_factory=dict)

    def floor(self) -> float:
        """The lowest score any label could be reported at: decoding may stop below it."""
        return min([self.min_score, *self.min_score_by_label.values()])

    def score_ok(self, label: str, score: float) -> bool:
        return score >= self.min_score_by_label.get(label, self.min_score)

    def size_ok(self, label: str, width: float, height: float) -> bool:
        least = self.min_size_by_label.get(label, self.min_size)
        return width >= least and height >= least

    def wanted(self, label: str) -> bool:
        return self.keep is None or label in self.keep


def to_detections(
    candidates: Candidates, placed: Letterbox, filters: Filters, iou: float
) -> list[Detection]:
    """Candidates in input pixels → the reported detections in frame pixels, best first."""
    names = [label_of(filters.labels, int(c)) for c in candidates.classes]
    early = [
        i
        for i, name in enumerate(names)
        if filters.wanted(name) and filters.score_ok(name, float(candidates.scores[i]))
    ]
    chosen = np.asarray(early, np.intp)
    subset = Candidates(
        candidates.boxes[chosen], candidates.scores[chosen], candidates.classes[chosen]
    )
    survivors = chosen[nms_per_class(subset, iou)]
    survivors = survivors[np.argsort(-candidates.scores[survivors], kind="stable")]
    boxes = placed.to_frame(candidates.boxes[survivors])
    found = []
    for index, (x1, y1, x2, y2) in zip(survivors, boxes.tolist(), strict=True):
        name = names[index]
        if filters.size_ok(name, x2 - x1, y2 - y1):
            found.append(Detection(name, float(candidates.scores[index]), (x1, y1, x2, y2)))
    return found
