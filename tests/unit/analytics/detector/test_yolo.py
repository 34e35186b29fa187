"""YOLO: v5 rows with objectness and v8/v11 columns without, told apart by the label count;
RGB 0..1 input letterboxed on grey; scores as probabilities or (configured) logits."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tests.unit.analytics.detector.tiny import config, constant_model, frame, labels_file
from vms.analytics.detector import build_detector
from vms.analytics.detector.families.yolo import Yolo, rows_of

# cx, cy, w, h in input pixels; objectness; person, car, dog
V5_ROWS = np.array(
    [
        [32, 32, 40, 24, 0.9, 0.9, 0.1, 0.1],  # a person, 0.81 → frame (24, 8, 104, 56)
        [34, 32, 40, 24, 0.9, 0.7, 0.1, 0.1],  # the same person again, weaker: NMS drops it
        [16, 16, 8, 8, 0.9, 0.1, 0.5, 0.1],  # a car at 0.45 once objectness counts: too weak
    ],
    np.float32,
)
# The same without objectness: the car's own score must keep it under the floor.
V8_ROWS = np.delete(V5_ROWS, 4, axis=1)
V8_ROWS[2, 5] = 0.45
PERSON_IN_FRAME = (24, 8, 104, 56)


def _detect(tmp_path: Path, output: np.ndarray, **fields: object) -> list[tuple[str, float]]:
    model = constant_model(tmp_path / "yolo.onnx", "images", [1, 3, 64, 64], {"output0": output})
    detector = build_detector(config(model, labels_file(tmp_path), "yolo", **fields))
    found = detector.detect(frame(128, 64))
    for detection in found:
        assert detection.box == pytest.approx(PERSON_IN_FRAME, abs=1e-3)
    return [(d.label, round(d.score, 3)) for d in found]


def test_v5_layout_multiplies_objectness_into_class_scores(tmp_path: Path) -> None:
    assert _detect(tmp_path, V5_ROWS[np.newaxis]) == [("person", 0.81)]


def test_v8_layout_is_transposed_and_has_no_objectness(tmp_path: Path) -> None:
    assert _detect(tmp_path, V8_ROWS.T[np.newaxis].copy()) == [("person", 0.9)]


def test_logit_scores_get_the_sigmoid_when_configured(tmp_path: Path) -> None:
    v8 = V8_ROWS.copy()
    v8[:, 4:] = np.log(v8[:, 4:] / (1 - v8[:, 4:]))  # probabilities → logits
    found = _detect(tmp_path, v8.T[np.newaxis].copy(), scores_are_logits=True)
    assert found == [("person", 0.9)]


def test_a_layout_that_fits_no_label_count_is_refused() -> None:
    with pytest.raises(ValueError, match="neither layout"):
        rows_of(np.zeros((1, 10, 12), np.float32), classes=3)
    rows, objectness = rows_of(np.zeros((1, 7, 100), np.float32), classes=3)
    assert rows.shape == (100, 7) and not objectness
    rows, objectness = rows_of(np.zeros((1, 100, 8), np.float32), classes=3)
    assert rows.shape == (100, 8) and objectness


def test_input_is_rgb_scaled_to_one_and_padded_grey() -> None:
    inputs, placed = Yolo("images", (64, 64), 3).prepare(frame(128, 64, (10, 20, 30)))
    tensor = inputs["images"]
    assert tensor.shape == (1, 3, 64, 64)
    assert (placed.scale, placed.pad_y) == (0.5, 16)
    assert tensor[0, :, 32, 32] == pytest.approx([30 / 255, 20 / 255, 10 / 255])
    assert tensor[0, :, 0, 0] == pytest.approx([114 / 255] * 3)
    assert not math.isnan(float(tensor.sum()))
