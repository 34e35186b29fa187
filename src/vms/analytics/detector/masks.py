"""Per-camera masks: areas (polygons in 0..1 of the picture) where detections are ignored.

A detection counts where its box's bottom-centre is, the point where a person stands or a car
touches the ground, so a mask over a road ignores the cars on it but not a person standing on
the kerb whose head overlaps the road. Pure: the analytics service applies a camera's masks to
the detections that come back from its worker, before tracking.
"""

from __future__ import annotations

from collections.abc import Sequence

from vms.analytics.detection import Detection
from vms.analytics.zones import Point

Polygon = Sequence[Point]
_EDGE = 1.0 - 1e-9


def inside(point: Point, polygon: Polygon) -> bool:
    """Even-odd rule: is the point inside the polygon (boundary points may go either way)?"""
    x, y = point
    result = False
    count = len(polygon)
    for i in range(count):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % count]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            result = not result
    return result


def drop_masked(
    detections: Sequence[Detection], masks: Sequence[Polygon], width: int, height: int
) -> list[Detection]:
    """The detections whose bottom-centre lies in none of the masks (frame of width × height)."""
    if not masks:
        return list(detections)
    kept = []
    for detection in detections:
        x1, _, x2, y2 = detection.box
        # The bottom and right edges count as inside (a box touching the frame's bottom edge
        # stands on it), so keep the point just within the unit square.
        foot = (min((x1 + x2) / 2 / width, _EDGE), min(y2 / height, _EDGE))
        if not any(inside(foot, mask) for mask in masks):
            kept.append(detection)
    return kept
