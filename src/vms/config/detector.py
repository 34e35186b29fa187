"""`detector` section: which ONNX model finds objects, how its output is read, what is kept.

The default is the NanoDet-m model shipped in the repository's `models/` folder (COCO-80
labels, see models/NOTICE), with int8 convolutions for CPUs; `nanodet-m.onnx` is the same model
in fp32, better on a GPU. A user's own YOLO (v5/v8/v11 layouts), RT-DETR or SSD export works
by naming its file, family and label file; relative file names are looked up in the models
folder first, then in the working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from vms.config.base import Section, invalid

Family = Literal["nanodet", "yolo", "rtdetr", "ssd"]
DEFAULT_INPUT = {"nanodet": 416, "yolo": 640, "rtdetr": 640, "ssd": 300}


class DetectorConfig(Section):
    """The model and the filters applied to what it finds."""

    model: Path = Field(Path("nanodet-m-int8.onnx"), description="ONNX model file")
    family: Family = Field("nanodet", description="how the model's input and output are laid out")
    input_size: tuple[int, int] | None = Field(
        None,
        description="model input [width, height]; null: the model's own, else the family's usual",
    )
    upscale: bool = Field(
        False,
        description="a model with dynamic input sides gets frames smaller than input_size "
        "enlarged to it (a few more far objects found, for up to a third more CPU)",
    )
    labels: Path = Field(Path("coco80.txt"), description="label file, one class name per line")
    scores_are_logits: bool = Field(
        False, description="yolo/rtdetr exports whose class scores lack the final sigmoid"
    )
    keep_labels: tuple[str, ...] | None = Field(
        None, description="labels reported (null: every label of the file)"
    )
    min_score: float = Field(0.5, gt=0, le=1, description="lowest score reported")
    min_score_by_label: dict[str, float] = Field(
        default_factory=dict, description="lowest score per label, overriding min_score"
    )
    min_size_px: int = Field(
        0, ge=0, le=10_000, description="smallest box reported: both sides at least this (pixels)"
    )
    min_size_by_label: dict[str, int] = Field(
        default_factory=dict, description="smallest box per label, overriding min_size_px"
    )
    nms_iou: float = Field(0.45, gt=0, le=1, description="overlap above which a box is a repeat")
    threads: int = Field(1, ge=1, le=64, description="onnxruntime threads per inference worker")
    device: Literal["auto", "cpu"] = Field(
        "auto", description="auto: TensorRT or CUDA when installed with a GPU, else the CPU"
    )

    @model_validator(mode="after")
    def _per_label_values(self) -> DetectorConfig:
        for label, score in self.min_score_by_label.items():
            if not 0 < score <= 1:
                raise invalid(f"min_score_by_label[{label!r}] is {score}", "use a score in (0, 1]")
        for label, size in self.min_size_by_label.items():
            if size < 0:
                raise invalid(f"min_size_by_label[{label!r}] is {size}", "use 0 or more pixels")
        return self

    def size_for(self, declared: tuple[int, int] | None) -> tuple[int, int]:
        """The input size used: configured, else the model's declared one, else the family's."""
        if self.input_size is not None:
            return self.input_size
        if declared is not None:
            return declared
        side = DEFAULT_INPUT[self.family]
        return side, side
