"""Letterbox resize: fit the frame into the model's input keeping its aspect ratio, pad the rest.

Squashing a wide camera picture into a square input makes people thin and loses detections, so
every family letterboxes; the `Letterbox` value maps boxes found in the input back to the frame.
A model whose input sides are dynamic need not get the square: `multiple` shrinks the input to
the resized picture, rounded up to that multiple (the model's largest stride), so a 16:9 frame
costs 416×256 instead of 416×416, of which more than a third would be padding. Such a model also
need not get a small frame enlarged (`upscale=False`): a 384×288 sub stream stays 384×288, not
416×320 of interpolated pixels, for about a fifth less CPU and 1–2 % fewer far walkers found
(docs/design/analytics-events.md, "Detector").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from vms.analytics.detection import FrameBGR

Boxes = npt.NDArray[np.float32]  # N × 4: x1, y1, x2, y2


@dataclass(frozen=True, slots=True)
class Letterbox:
    """How a frame was placed in the input: scaled by `scale`, then shifted by the padding."""

    scale: float
    pad_x: int
    pad_y: int
    frame_width: int
    frame_height: int
    input_size: tuple[int, int]  # width, height of the tensor the model got

    def to_frame(self, boxes: Boxes) -> Boxes:
        """Boxes in input pixels → boxes in frame pixels, clipped to the frame."""
        shift = np.array([self.pad_x, self.pad_y, self.pad_x, self.pad_y], np.float32)
        out = (boxes.astype(np.float32) - shift) / np.float32(self.scale)
        np.clip(out[:, 0::2], 0, self.frame_width, out=out[:, 0::2])
        np.clip(out[:, 1::2], 0, self.frame_height, out=out[:, 1::2])
        return out


def letterbox(
    frame: FrameBGR,
    size: tuple[int, int],
    pad: tuple[int, int, int],
    multiple: int | None = None,
    *,
    upscale: bool = True,
) -> tuple[FrameBGR, Letterbox]:
    """The frame resized to fit `size` (width, height), centred, with `pad` (BGR) around it;
    with `multiple`, the canvas is only as large as the picture rounded up to that multiple;
    without `upscale`, a frame smaller than `size` keeps its own size."""
    width, height = size
    frame_height, frame_width = frame.shape[:2]
    scale = min(width / frame_width, height / frame_height)
    if not upscale:
        scale = min(scale, 1.0)
    new_width = max(1, min(width, round(frame_width * scale)))
    new_height = max(1, min(height, round(frame_height * scale)))
    if multiple is not None:
        width = min(width, math.ceil(new_width / multiple) * multiple)
        height = min(height, math.ceil(new_height / multiple) * multiple)
    pad_x, pad_y = (width - new_width) // 2, (height - new_height) // 2
    canvas = np.empty((height, width, 3), np.uint8)
    canvas[:] = pad
    picture = canvas[pad_y : pad_y + new_height, pad_x : pad_x + new_width]
    if (new_width, new_height) == (frame_width, frame_height):
        picture[:] = frame
    else:
        picture[:] = cv2.resize(frame, (new_width, new_height), interpolation=cv2.INTER_LINEAR)
    return canvas, Letterbox(scale, pad_x, pad_y, frame_width, frame_height, (width, height))


def to_nchw(
    image: FrameBGR,
    *,
    rgb: bool,
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0),
    std: tuple[float, float, float] = (255.0, 255.0, 255.0),
) -> npt.NDArray[np.float32]:
    """A 1×3×H×W float32 tensor: channels in the model's order, (x − mean) / std per channel
    (mean and std given in that same order)."""
    pixels = image[:, :, ::-1] if rgb else image
    # One copy into planar float32, then in place: about twice as fast as normalising first.
    planes = pixels.transpose(2, 0, 1).astype(np.float32)
    planes -= np.asarray(mean, np.float32).reshape(3, 1, 1)
    planes *= (1 / np.asarray(std, np.float32)).reshape(3, 1, 1)
    return planes[np.newaxis]
