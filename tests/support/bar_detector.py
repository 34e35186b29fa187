"""A real, tiny detector for tests of rules on the simulator's test pattern: its moving bar.

The bar is one grey level from the top of the picture to the bottom, over a background whose
brightness grows downwards and to the right, with moving grain. The blob detector
(`blob_detector.py`, brightness above a level) joins the bar to the bottom-right corner of that
gradient, which is as bright, so its box swells to the picture's edge and its score falls below
what starts a track. Here the bar is instead each run of columns that are flat from a third of the
way down (below the burnt-in clock and text) to the bottom: the background's columns never are.
Its box is the run's width and the picture's height, ending on the last row (h - 1) so that its
foot stands inside the picture, on zones and lines drawn to the bottom edge. It is loaded by name
("tests.support.bar_detector:build"), as any detector is, in the inference workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np

from vms.analytics.detection import Detection, FrameBGR


class BarDetector:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self._label = str(config.get("label", "bar"))
        self._max_std = float(config.get("max_std", 8.0))  # grey levels, down a column
        self._min_level = float(config.get("min_level", 180))
        self._min_width = int(config.get("min_width", 3))

    def detect(self, frame: FrameBGR) -> list[Detection]:
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        height = grey.shape[0]
        body = grey[height // 3 :].astype(np.float32)
        flat = (body.std(axis=0) < self._max_std) & (np.median(body, axis=0) > self._min_level)
        edges = np.flatnonzero(np.diff(np.concatenate(([0], flat.astype(np.int8), [0]))))
        found = []
        for start, end in zip(edges[::2], edges[1::2], strict=True):
            if end - start >= self._min_width:
                box = (int(start), 0, int(end), height - 1)
                found.append(Detection(self._label, 0.9, box))
        return found


def build(config: Mapping[str, Any]) -> BarDetector:
    return BarDetector(config)
