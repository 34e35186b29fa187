"""RT-DETR (Ultralytics layout): [1, Q, 4+C] queries, boxes cx, cy, w, h normalised to the input,
scores as sigmoid probabilities (the export's) or logits (configured)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.unit.analytics.detector.tiny import config, constant_model, frame, labels_file
from vms.analytics.detector import build_detector

QUERIES = np.array(
    [
        [0.5, 0.5, 0.625, 0.375, 0.85, 0.02, 0.01],  # a person: input (12, 20, 52, 44)
        [0.25, 0.25, 0.125, 0.125, 0.01, 0.30, 0.01],  # a car below the floor
        [0.9, 0.9, 0.1, 0.1, 0.01, 0.01, 0.02],  # background
    ],
    np.float32,
)[np.newaxis]


def _detect(tmp_path: Path, output: np.ndarray, **fields: object) -> list[tuple[str, float]]:
    model = constant_model(tmp_path / "rtdetr.onnx", "images", [1, 3, 64, 64], {"out": output})
    found = build_detector(config(model, labels_file(tmp_path), "rtdetr", **fields)).detect(
        frame(128, 64)
    )
    for detection in found:
        assert detection.box == pytest.approx((24, 8, 104, 56), abs=1e-3)
    return [(d.label, round(d.score, 3)) for d in found]


def test_normalised_boxes_scale_to_the_input_then_back_to_the_frame(tmp_path: Path) -> None:
    assert _detect(tmp_path, QUERIES) == [("person", 0.85)]


def test_logits_are_turned_into_probabilities_when_configured(tmp_path: Path) -> None:
    logits = QUERIES.copy()
    logits[..., 4:] = np.log(logits[..., 4:] / (1 - logits[..., 4:]))
    assert _detect(tmp_path, logits, scores_are_logits=True) == [("person", 0.85)]
    # Read as probabilities, the same logits are nonsense: the person's 1.73 is above 1.
    assert _detect(tmp_path, logits)[0][1] > 1


def test_a_query_width_that_does_not_match_the_labels_is_refused(tmp_path: Path) -> None:
    wrong = np.zeros((1, 300, 6), np.float32)
    model = constant_model(tmp_path / "rtdetr.onnx", "images", [1, 3, 64, 64], {"out": wrong})
    detector = build_detector(config(model, labels_file(tmp_path), "rtdetr"))
    with pytest.raises(ValueError, match="rtdetr"):
        detector.detect(frame(64, 64))
