"""NanoDet(-m): BGR input normalised by ImageNet mean/std, outputs per level (strides 8, 16, 32):
class scores [1, N, C] (already sigmoid) and box distributions [1, N, 4·(R+1)] (GFL: for each
side, R+1 bins over the distance in strides; its expectation is the distance from the cell's
centre). Levels are told apart by N, class and box tensors by their last dimension."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vms.analytics.detection import FrameBGR
from vms.analytics.detector.families.base import Candidates, Inputs, Outputs, Size, Tensor, above
from vms.analytics.detector.letterbox import Letterbox, letterbox, to_nchw

MEAN_BGR = (103.53, 116.28, 123.675)
STD_BGR = (57.375, 57.12, 58.395)
PAD_BGR = (104, 116, 124)  # the mean: padding normalises to zero, as if there were no picture
STRIDES = (8, 16, 32, 64)
LARGEST_STRIDE = 32  # of the shipped model: a fitted input is a multiple of it


@dataclass(frozen=True, slots=True)
class NanoDet:
    input_name: str
    size: tuple[int, int]  # width, height (the largest, when `fitted`)
    classes: int
    fitted: bool = False  # the model's input sides are dynamic: each frame gets its own aspect
    upscale: bool = True  # a fitted input enlarges a frame smaller than `size`

    def prepare(self, frame: FrameBGR) -> tuple[Inputs, Letterbox]:
        if self.fitted:
            image, box = letterbox(frame, self.size, PAD_BGR, LARGEST_STRIDE, upscale=self.upscale)
        else:
            image, box = letterbox(frame, self.size, PAD_BGR)
        return {self.input_name: to_nchw(image, rgb=False, mean=MEAN_BGR, std=STD_BGR)}, box

    def decode(self, outputs: Outputs, floor: float, input_size: Size) -> Candidates:
        parts = [
            self._level(scores, dists, floor, input_size) for scores, dists in self._levels(outputs)
        ]
        if not parts:
            return Candidates.empty()
        return Candidates(
            np.concatenate([p.boxes for p in parts]),
            np.concatenate([p.scores for p in parts]),
            np.concatenate([p.classes for p in parts]),
        )

    def _levels(
        self, outputs: Mapping[str, npt.NDArray[np.generic]]
    ) -> list[tuple[Tensor, Tensor]]:
        """(class scores N × C, box bins N × 4(R+1)) per level, paired by N."""
        scores: dict[int, Tensor] = {}
        dists: dict[int, Tensor] = {}
        for name, value in outputs.items():
            tensor = np.asarray(value, np.float32).reshape(-1, value.shape[-1])
            if value.shape[-1] == self.classes:
                scores[tensor.shape[0]] = tensor
            elif value.shape[-1] % 4 == 0:
                dists[tensor.shape[0]] = tensor
            else:
                raise ValueError(f"nanodet: output {name} {value.shape} is neither kind")
        if scores.keys() != dists.keys():
            raise ValueError("nanodet: class and box outputs do not pair up by cell count")
        return [(scores[n], dists[n]) for n in sorted(scores, reverse=True)]

    def _level(
        self, scores: Tensor, dists: Tensor, floor: float, input_size: tuple[int, int]
    ) -> Candidates:
        stride, columns = _grid(scores.shape[0], input_size)
        cells, classes = above(scores, floor)
        if cells.size == 0:
            return Candidates.empty()
        bins = dists[cells].reshape(len(cells), 4, -1)
        bins = np.exp(bins - bins.max(axis=2, keepdims=True))
        bins /= bins.sum(axis=2, keepdims=True)
        distance = (bins * np.arange(bins.shape[2], dtype=np.float32)).sum(axis=2) * stride
        centre_x = (cells % columns + 0.5) * stride
        centre_y = (cells // columns + 0.5) * stride
        boxes = np.stack(
            [
                centre_x - distance[:, 0],
                centre_y - distance[:, 1],
                centre_x + distance[:, 2],
                centre_y + distance[:, 3],
            ],
            axis=1,
        ).astype(np.float32)
        return Candidates(boxes, scores[cells, classes], classes.astype(np.int64))


def _grid(cells: int, input_size: tuple[int, int]) -> tuple[int, int]:
    """The stride and the grid's width of a level with this many cells."""
    width, height = input_size
    for stride in STRIDES:
        columns, rows = math.ceil(width / stride), math.ceil(height / stride)
        if columns * rows == cells:
            return stride, columns
    raise ValueError(f"nanodet: no stride gives {cells} cells for a {width}×{height} input")
