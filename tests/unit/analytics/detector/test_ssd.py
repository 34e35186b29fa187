"""SSD (TF object-detection API exports): uint8 RGB NHWC input, NMS in the graph, outputs by
name, boxes ymin, xmin, ymax, xmax normalised, 1-based classes, only `num_detections` real."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto

from tests.unit.analytics.detector.tiny import config, constant_model, frame, labels_file
from vms.analytics.detector import build_detector
from vms.analytics.detector.build import declared_size
from vms.analytics.detector.families.ssd import Ssd

OUTPUTS = {
    "detection_boxes:0": np.array(
        [
            [
                [20 / 64, 12 / 64, 44 / 64, 52 / 64],  # person: frame (24, 8, 104, 56)
                [0.0, 0.0, 0.5, 0.5],  # dog
                [0.5, 0.5, 1.0, 1.0],  # car, too weak
                [0.0, 0.0, 1.0, 1.0],  # past num_detections: padding, whatever its score
            ]
        ],
        np.float32,
    ),
    "detection_scores:0": np.array([[0.9, 0.6, 0.2, 0.99]], np.float32),
    "detection_classes:0": np.array([[1, 3, 2, 1]], np.float32),
    "num_detections:0": np.array([3], np.float32),
}


def test_outputs_are_read_by_name_with_one_based_classes(tmp_path: Path) -> None:
    model = constant_model(
        tmp_path / "ssd.onnx",
        "image_tensor:0",
        [1, "height", "width", 3],
        OUTPUTS,
        input_type=TensorProto.UINT8,
    )
    cfg = config(model, labels_file(tmp_path), "ssd", input_size=(64, 64))
    found = build_detector(cfg).detect(frame(128, 64))
    assert [(d.label, round(d.score, 2)) for d in found] == [("person", 0.9), ("dog", 0.6)]
    assert found[0].box == pytest.approx((24, 8, 104, 56), abs=1e-3)
    assert found[1].box == pytest.approx((0, 0, 64, 32), abs=1e-3)  # clipped at the top


def test_input_is_uint8_rgb_channels_last() -> None:
    inputs, placed = Ssd("image_tensor:0", (64, 64)).prepare(frame(128, 64, (10, 20, 30)))
    tensor = inputs["image_tensor:0"]
    assert tensor.shape == (1, 64, 64, 3)
    assert tensor.dtype == np.uint8
    assert tensor[0, 32, 32].tolist() == [30, 20, 10]
    assert placed.pad_y == 16


def test_dynamic_input_dimensions_fall_back_to_the_family_size() -> None:
    assert declared_size([1, "height", "width", 3], channels_last=True) is None
    assert declared_size([1, 300, 320, 3], channels_last=True) == (320, 300)
    assert declared_size([1, 3, 416, 416], channels_last=False) == (416, 416)
