"""Zones and lines in the pixels of the analysed frame, with the tests the rules make on them.

Zones are stored normalised (0..1); the tracker speaks pixels. Converting the zones once per
frame size keeps distances honest on a non-square picture, which hysteresis margins rely on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from vms.analytics.zones import Zone

Pixel = tuple[float, float]


@dataclass(frozen=True, slots=True)
class PixelPolygon:
    name: str
    contour: npt.NDArray[np.float32]  # n × 1 × 2, as OpenCV wants it

    def signed_distance(self, point: Pixel) -> float:
        """Distance to the outline: positive inside, negative outside, 0 on it."""
        return float(cv2.pointPolygonTest(self.contour, point, True))


@dataclass(frozen=True, slots=True)
class PixelLine:
    """A directed segment. A is the walker's left going from `start` to `end` on the picture
    (y grows downwards), where `side` is negative; B, the right, is positive."""

    name: str
    start: Pixel
    end: Pixel

    def side(self, point: Pixel) -> float:
        """Signed distance from the infinite line through the segment (A < 0 < B)."""
        dx, dy = self.end[0] - self.start[0], self.end[1] - self.start[1]
        cross = dx * (point[1] - self.start[1]) - dy * (point[0] - self.start[0])
        return cross / math.hypot(dx, dy)

    def crossing_at(self, before: Pixel, after: Pixel) -> float | None:
        """Where the path step before→after crosses the infinite line, as a position along the
        segment (0 at `start`, 1 at `end`); None when the step does not cross it."""
        side_before, side_after = self.side(before), self.side(after)
        if (side_before < 0) == (side_after < 0) or side_before == side_after:
            return None
        share = side_before / (side_before - side_after)
        x = before[0] + share * (after[0] - before[0])
        y = before[1] + share * (after[1] - before[1])
        dx, dy = self.end[0] - self.start[0], self.end[1] - self.start[1]
        return ((x - self.start[0]) * dx + (y - self.start[1]) * dy) / (dx * dx + dy * dy)


def to_pixels(
    zones: list[Zone], frame_size: tuple[int, int]
) -> tuple[dict[str, PixelPolygon], dict[str, PixelLine]]:
    """The camera's zones and lines scaled to a `frame_size` (width, height) picture."""
    width, height = frame_size
    polygons: dict[str, PixelPolygon] = {}
    lines: dict[str, PixelLine] = {}
    for zone in zones:
        points = [(x * width, y * height) for x, y in zone.points]
        if zone.kind == "line":
            lines[zone.name] = PixelLine(zone.name, points[0], points[1])
        else:
            contour = np.array(points, dtype=np.float32).reshape(-1, 1, 2)
            polygons[zone.name] = PixelPolygon(zone.name, contour)
    return polygons, lines
