"""A constant-velocity Kalman filter for one box, and box overlap (IoU), for the tracker.

The state is (cx, cy, a, h) — centre, aspect ratio (w/h) and height — plus their velocities per
frame, as in SORT and ByteTrack: aspect ratio changes slowly for people and cars, so it smooths
better than width. The noise is proportional to the box height, so a near (big) object may move
more pixels between frames than a far one before the filter calls it a surprise.

Time goes in steps of 1/30 s (`STEP_MS`), whatever the analysed frame rate: the noise weights
are SORT's and ByteTrack's, tuned on 30 fps video, and the uncertainty a gap adds grows with its
length (variance × steps). Counting a 5 fps frame as one step instead made the filter six times
too sure of its velocity: people turning round lost their ids (bench/tracking.py: 20 walkers
over 300 frames used 136 ids that way, 22 this way).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vms.analytics.detection import Box

FloatArray = npt.NDArray[np.float64]

_POSITION_WEIGHT = 1 / 20  # standard deviation of a position, as a share of the box height
_VELOCITY_WEIGHT = 1 / 160
STEP_MS = 1000 / 30
_OBSERVE = np.hstack([np.eye(4), np.zeros((4, 4))])  # we measure the box, not its velocity


def box_to_xyah(box: Box) -> FloatArray:
    x1, y1, x2, y2 = box
    width, height = max(x2 - x1, 1e-3), max(y2 - y1, 1e-3)
    return np.array([(x1 + x2) / 2, (y1 + y2) / 2, width / height, height])


def xyah_to_box(xyah: FloatArray) -> Box:
    cx, cy, aspect, height = (float(v) for v in xyah[:4])
    width = aspect * height
    return cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2


class BoxKalman:
    """The estimated box of one track: `predict` once per frame, `update` when it is seen."""

    __slots__ = ("cov", "mean")

    def __init__(self, box: Box) -> None:
        measured = box_to_xyah(box)
        height = measured[3]
        self.mean: FloatArray = np.concatenate([measured, np.zeros(4)])
        pos, vel = 2 * _POSITION_WEIGHT * height, 10 * _VELOCITY_WEIGHT * height
        std = np.array([pos, pos, 1e-2, pos, vel, vel, 1e-5, vel])
        self.cov: FloatArray = np.diag(std**2)

    @property
    def box(self) -> Box:
        return xyah_to_box(self.mean)

    def predict(self, steps: float = 1.0) -> None:
        """Move the estimate `steps` × `STEP_MS` ahead; the uncertainty grows with the gap."""
        height = self.mean[3]
        pos, vel = _POSITION_WEIGHT * height, _VELOCITY_WEIGHT * height
        noise = np.diag(np.array([pos, pos, 1e-2, pos, vel, vel, 1e-5, vel]) ** 2) * steps
        motion = np.eye(8)
        motion[:4, 4:] = np.eye(4) * steps
        self.mean = motion @ self.mean
        self.cov = motion @ self.cov @ motion.T + noise

    def update(self, box: Box) -> None:
        """Blend a measured box into the estimate (the standard Kalman correction)."""
        measured = box_to_xyah(box)
        height = self.mean[3]
        pos = _POSITION_WEIGHT * height
        noise = np.diag(np.array([pos, pos, 1e-1, pos]) ** 2)
        projected_cov = _OBSERVE @ self.cov @ _OBSERVE.T + noise
        gain = np.linalg.solve(projected_cov, _OBSERVE @ self.cov).T
        self.mean = self.mean + gain @ (measured - _OBSERVE @ self.mean)
        self.cov = self.cov - gain @ projected_cov @ gain.T


def iou_matrix(first: list[Box], second: list[Box], buffer: float = 0.0) -> FloatArray:
    """Intersection over union of every box of `first` (rows) with every box of `second`.

    `buffer` widens every box by that share of its width and height on each side first (the
    buffered IoU of C-BIoU): at 5 fps a walker moves half its width between two frames, so two
    of its boxes with no motion model between them may not overlap at all."""
    if not first or not second:
        return np.zeros((len(first), len(second)))
    a = _buffered(np.asarray(first, dtype=np.float64), buffer)[:, None, :]
    b = _buffered(np.asarray(second, dtype=np.float64), buffer)[None, :, :]
    width = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    height = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = width * height
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    result: FloatArray = np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)
    return result


def _buffered(boxes: FloatArray, buffer: float) -> FloatArray:
    if buffer <= 0:
        return boxes
    grow = np.stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]], axis=1) * buffer
    result: FloatArray = boxes + np.concatenate([-grow, grow], axis=1)
    return result
