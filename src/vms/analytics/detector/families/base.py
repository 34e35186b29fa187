"""What every family provides: the input tensor(s) for a frame, and its raw outputs decoded to
candidate boxes in the input's pixels (before NMS and the filters, which all families share)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from vms.analytics.detection import FrameBGR
from vms.analytics.detector.letterbox import Boxes, Letterbox, letterbox, to_nchw

Tensor = npt.NDArray[np.float32]
Inputs = dict[str, npt.NDArray[np.generic]]
Outputs = Mapping[str, npt.NDArray[np.generic]]  # a model's outputs by name
Size = tuple[int, int]  # width, height of the model's input


@dataclass(frozen=True, slots=True)
class Candidates:
    """Boxes (x1, y1, x2, y2 in input pixels), their scores (0..1) and class indexes."""

    boxes: Boxes
    scores: npt.NDArray[np.float32]
    classes: npt.NDArray[np.int64]

    @staticmethod
    def empty() -> Candidates:
        return Candidates(
            np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
        )


class Family(Protocol):
    """One model family's pre- and post-processing, for a given input name and size."""

    def prepare(self, frame: FrameBGR) -> tuple[Inputs, Letterbox]: ...

    def decode(self, outputs: Outputs, floor: float, input_size: Size) -> Candidates:
        """Candidates scoring at least `floor` (the lowest score any filter could keep), from
        the outputs for an input of `input_size` (width, height: see `Letterbox.input_size`)."""
        ...


PAD_GREY = (114, 114, 114)  # the letterbox fill YOLO-family models are trained with


@dataclass(frozen=True, slots=True)
class RgbLetterboxed:
    """The input side shared by the YOLO and RT-DETR exports: the frame letterboxed on grey to
    the input size, as RGB scaled to 0..1 in NCHW; `logits` says the scores need a sigmoid."""

    input_name: str
    size: tuple[int, int]  # width, height
    classes: int
    logits: bool = False

    def prepare(self, frame: FrameBGR) -> tuple[Inputs, Letterbox]:
        image, box = letterbox(frame, self.size, PAD_GREY)
        return {self.input_name: to_nchw(image, rgb=True)}, box


def sigmoid(values: Tensor) -> Tensor:
    return (1.0 / (1.0 + np.exp(-values))).astype(np.float32)


def xywh_to_xyxy(boxes: Tensor) -> Boxes:
    """Centre x, centre y, width, height → corners."""
    half = boxes[:, 2:4] / 2
    return np.concatenate([boxes[:, 0:2] - half, boxes[:, 0:2] + half], axis=1).astype(np.float32)


def above(scores: Tensor, floor: float) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(row, class) pairs of an N × C score matrix at or above `floor`: each class of a row is
    a candidate of its own, as in the reference post-processing of these families."""
    rows, classes = np.nonzero(scores >= floor)
    return rows, classes
