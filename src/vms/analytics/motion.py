"""Motion detection on small grey frames: how much of the watched area changed, zone by zone.

Pure numpy/OpenCV on a picture shrunk to ~160 pixels across, so one comparison costs tens of
microseconds. Each frame is compared with a running background (half the last background, half
the last frame): noise and the camera's grain average out, while a moving thing stands out for
the few frames it takes to cross. A change over nearly the whole picture (lights switched, the
camera turned to night mode) is a scene change, not motion: the background restarts from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from vms.analytics.zones import Zone

Gray = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

SCENE_CHANGE_SHARE = 0.9  # more than this much of the watched area changed at once
_BACKGROUND_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class MotionSettings:
    threshold: int = 20  # brightness change (0-255) that makes a pixel count as moving
    min_share: float = 0.005  # of the watched area (or of a zone) that must move


@dataclass(frozen=True, slots=True)
class MotionReading:
    """One compared frame: the share of the watched area that moved, and the zones it touched."""

    share: float
    zones: tuple[str, ...]
    moving: bool


STILL = MotionReading(0.0, (), False)


def zone_masks(zones: Sequence[Zone], width: int, height: int) -> dict[str, Mask]:
    """Each polygon zone rasterised at `width`×`height` (lines have no area, and masks hide
    objects from detection, not motion: both are skipped)."""
    masks: dict[str, Mask] = {}
    for zone in zones:
        if zone.kind != "zone":
            continue
        canvas = np.zeros((height, width), dtype=np.uint8)
        corners = np.array(
            [[round(x * (width - 1)), round(y * (height - 1))] for x, y in zone.points],
            dtype=np.int32,
        )
        cv2.fillPoly(canvas, [corners], 1)
        masks[zone.name] = canvas.astype(bool)
    return masks


class MotionDetector:
    """Feeds on grey frames of one size; with zones, only motion inside them counts."""

    def __init__(
        self, width: int, height: int, zones: Sequence[Zone], settings: MotionSettings
    ) -> None:
        self.size = (width, height)
        self._settings = settings
        masks = zone_masks(zones, width, height)
        self._zones = {name: (mask, max(1, int(mask.sum()))) for name, mask in masks.items()}
        watched = np.zeros((height, width), dtype=bool)
        for mask in masks.values():
            watched |= mask
        self._watched = watched if masks else np.ones((height, width), dtype=bool)
        self._watched_pixels = max(1, int(self._watched.sum()))
        self._background: npt.NDArray[np.float32] | None = None

    def feed(self, frame: Gray) -> MotionReading:
        """Compare `frame` with the background and take it into the background."""
        if frame.shape != (self.size[1], self.size[0]):
            raise ValueError(f"frame is {frame.shape[::-1]}, the detector expects {self.size}")
        smooth = cv2.GaussianBlur(frame, (5, 5), 0).astype(np.float32)
        background = self._background
        if background is None:
            self._background = smooth
            return STILL
        changed = np.abs(smooth - background) > self._settings.threshold
        cv2.accumulateWeighted(smooth, background, _BACKGROUND_WEIGHT)
        share = float(np.count_nonzero(changed & self._watched)) / self._watched_pixels
        if share > SCENE_CHANGE_SHARE:
            self._background = smooth
            return STILL
        touched = tuple(
            name
            for name, (mask, pixels) in self._zones.items()
            if np.count_nonzero(changed & mask) >= self._settings.min_share * pixels
        )
        moving = share >= self._settings.min_share
        return MotionReading(share, touched if moving else (), moving)
