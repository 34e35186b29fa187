"""What a detector reports for one frame: the value the inference workers, the tracker and the
rules pass between them.

Boxes are in pixels of the frame that was analysed (top-left origin, x to the right), so the
tracker can reason in pixels/s; rules normalise them to 0..1 (the zones' units) when they meet a
zone. Kept apart from any model so that the tracker and the rules need no onnxruntime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels
FrameBGR = npt.NDArray[np.uint8]  # height × width × 3, BGR (OpenCV's order)


@dataclass(frozen=True, slots=True)
class Detection:
    """One object found in one frame."""

    label: str  # a COCO-style name: "person", "car", ...
    score: float  # 0..1
    box: Box


class Detector(Protocol):
    """Finds objects in one frame. Not thread-safe: each worker owns its own."""

    def detect(self, frame: FrameBGR) -> list[Detection]: ...
