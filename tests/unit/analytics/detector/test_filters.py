"""What all families share after decoding: per-class NMS at the configured IoU, the label,
score and size filters (each per label), and the per-camera masks at the box's bottom-centre."""

from __future__ import annotations

import numpy as np
import pytest

from vms.analytics.detection import Detection
from vms.analytics.detector.families.base import Candidates
from vms.analytics.detector.letterbox import Letterbox
from vms.analytics.detector.masks import drop_masked, inside
from vms.analytics.detector.postprocess import Filters, nms_per_class, to_detections

LABELS = ("person", "car", "dog")
SAME = Letterbox(1.0, 0, 0, 1000, 1000, (1000, 1000))  # input pixels are frame pixels


def _candidates(*rows: tuple[float, float, float, float, float, int]) -> Candidates:
    table = np.array(rows, np.float64).reshape(-1, 6)
    return Candidates(
        table[:, :4].astype(np.float32), table[:, 4].astype(np.float32), table[:, 5].astype(int)
    )


def _summary(found: list[Detection]) -> list[tuple[str, float]]:
    return [(d.label, round(d.score, 2)) for d in found]


def test_nms_drops_overlapping_repeats_of_a_class_and_keeps_other_classes() -> None:
    candidates = _candidates(
        (0, 0, 100, 100, 0.9, 0),
        (10, 0, 110, 100, 0.8, 0),  # IoU 0.82 with the first: a repeat
        (60, 0, 160, 100, 0.7, 0),  # IoU 0.25 with the first: another person
        (10, 0, 110, 100, 0.6, 1),  # a car on the same spot: another class
    )
    assert sorted(nms_per_class(candidates, 0.45).tolist()) == [0, 2, 3]
    # At an IoU threshold of 0.9 the 0.82 overlap is no longer a repeat.
    assert sorted(nms_per_class(candidates, 0.9).tolist()) == [0, 1, 2, 3]


def test_labels_not_kept_are_dropped() -> None:
    candidates = _candidates((0, 0, 50, 50, 0.9, 0), (100, 0, 150, 50, 0.9, 1))
    filters = Filters(LABELS, keep=frozenset({"car"}))
    assert _summary(to_detections(candidates, SAME, filters, 0.45)) == [("car", 0.9)]


def test_scores_are_compared_with_the_label_s_own_floor() -> None:
    candidates = _candidates(
        (0, 0, 50, 50, 0.55, 0), (100, 0, 150, 50, 0.55, 1), (200, 0, 250, 50, 0.35, 2)
    )
    filters = Filters(LABELS, min_score=0.5, min_score_by_label={"car": 0.6, "dog": 0.3})
    assert filters.floor() == 0.3
    found = to_detections(candidates, SAME, filters, 0.45)
    assert _summary(found) == [("person", 0.55), ("dog", 0.35)]


def test_boxes_smaller_than_the_label_s_minimum_on_either_side_are_dropped() -> None:
    candidates = _candidates(
        (0, 0, 20, 60, 0.9, 0),  # a person 20 wide, 60 tall
        (100, 0, 140, 40, 0.8, 1),  # a car 40 × 40
        (200, 0, 230, 30, 0.7, 1),  # a car 30 × 30
    )
    filters = Filters(LABELS, min_size=35, min_size_by_label={"person": 10})
    assert _summary(to_detections(candidates, SAME, filters, 0.45)) == [
        ("person", 0.9),
        ("car", 0.8),
    ]


def test_boxes_come_back_in_frame_pixels_best_first() -> None:
    placed = Letterbox(0.5, 0, 16, 128, 64, (64, 64))
    candidates = _candidates((12, 20, 52, 44, 0.6, 1), (0, 16, 10, 26, 0.9, 0))
    found = to_detections(candidates, placed, Filters(LABELS), 0.45)
    assert _summary(found) == [("person", 0.9), ("car", 0.6)]
    assert found[0].box == pytest.approx((0, 0, 20, 20))
    assert found[1].box == pytest.approx((24, 8, 104, 56))


def test_nothing_to_report_is_an_empty_list() -> None:
    assert to_detections(Candidates.empty(), SAME, Filters(LABELS), 0.45) == []


ROAD = ((0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (0.0, 1.0))  # the lower half of the picture


def test_a_detection_is_masked_where_its_bottom_centre_stands() -> None:
    on_road = Detection("car", 0.9, (100, 600, 300, 800))
    kerb = Detection("person", 0.9, (400, 200, 440, 480))  # head and feet above the road
    overlapping = Detection("person", 0.9, (500, 300, 540, 490))  # crosses into it, feet out
    at_bottom_edge = Detection("dog", 0.9, (600, 900, 700, 1000))  # touches the frame's edge
    kept = drop_masked([on_road, kerb, overlapping, at_bottom_edge], [ROAD], 1000, 1000)
    assert kept == [kerb, overlapping]


def test_without_masks_every_detection_is_kept() -> None:
    detections = [Detection("car", 0.9, (100, 600, 300, 800))]
    assert drop_masked(detections, [], 1000, 1000) == detections


def test_inside_follows_the_even_odd_rule_for_concave_masks() -> None:
    u_shape = ((0.0, 0.0), (0.3, 0.0), (0.3, 0.7), (0.7, 0.7), (0.7, 0.0), (1.0, 0.0),
               (1.0, 1.0), (0.0, 1.0))  # fmt: skip
    assert inside((0.1, 0.1), u_shape)
    assert not inside((0.5, 0.3), u_shape)  # in the notch
    assert inside((0.5, 0.9), u_shape)
