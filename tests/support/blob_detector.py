"""A real, tiny detector for tests: it finds solid blobs of colour or brightness by thresholding.

Tests need a detector whose answers they can predict exactly, in a worker process, without model
weights: this one finds every connected region of saturated colour (labelled by its hue:
"red", "green", "blue") or, with `bright`, of brightness above a level (the simulator's moving
bar), and reports its bounding box. It is loaded by name ("tests.support.blob_detector:build"),
as any detector is, in the inference workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np

from vms.analytics.detection import Detection, FrameBGR

_HUES = (("red", 0), ("green", 60), ("blue", 120), ("red", 180))  # OpenCV hue is 0..180


class BlobDetector:
    """Colour blobs (default) or, with a `bright` label, blobs brighter than `level`."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._min_area = int(config.get("min_area", 64))
        self._min_height_share = float(config.get("min_height_share", 0.0))
        self._bright: str | None = config.get("bright")
        self._level = int(config.get("level", 200))

    def detect(self, frame: FrameBGR) -> list[Detection]:
        if self._bright is not None:
            grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            return self._blobs(grey > self._level, lambda _: self._bright or "")
        hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)
        mask = (hsv[..., 1] > 150) & (hsv[..., 2] > 100)
        return self._blobs(mask, lambda region: _hue_name(hsv[..., 0][region]))

    def _blobs(self, mask: np.ndarray, name: Any) -> list[Detection]:
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            mask.astype(np.uint8), connectivity=8
        )
        found = []
        height = mask.shape[0]
        for index in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[index])
            if area < self._min_area or h < self._min_height_share * height:
                continue
            label = name(labels == index)
            found.append(Detection(label, round(area / (w * h), 3), (x, y, x + w, y + h)))
        return sorted(found, key=lambda d: d.box)


def _hue_name(hues: np.ndarray) -> str:
    hue = float(np.median(hues))
    return min(_HUES, key=lambda pair: abs(pair[1] - hue))[0]


def build(config: Mapping[str, Any]) -> BlobDetector:
    return BlobDetector(config)
