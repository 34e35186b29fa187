"""The shipped models on real pictures installed by `make setup`. NanoDet-m (the int8 default and
its fp32 original) finds the person where a person is (IoU > 0.5 against a box checked by eye),
no person where none is, and on chosen `vtest.avi` frames as many walkers as a person counts,
give or take one. The person-only SSDLite
finds the close-up people as well and nothing in the coffee, but in `vtest.avi`'s wide shot
only the nearer walkers: its fixed 300×300 input leaves a far walker a dozen pixels tall.

The boxes were read off the pictures with a pixel grid drawn over them: from the top of the hair
or cap to the bottom edge, from the outer edge of one sleeve to the other. The walkers were
counted on the frames enlarged (a person half behind the sign counts).

The int8 model is checked against the fp32 one on vtest frames it was not calibrated on
(scripts/models/quantize_nanodet.py calibrates on every 20th frame from 0)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.support.sample_media import astronaut_path, coffee_path, grace_hopper_path, vtest_path
from tests.unit.analytics.detector.tiny import iou
from vms.analytics.detection import Detection, FrameBGR
from vms.analytics.detector import OnnxDetector, build_detector
from vms.analytics.detector.paths import FP32_MODEL
from vms.config.detector import DetectorConfig

GRACE_HOPPER_BOX = (12, 22, 512, 600)  # 512 × 600: cap to the bottom edge, jacket edge to edge
ASTRONAUT_BOX = (20, 15, 365, 512)  # 512 × 512: hair to the bottom edge, left sleeve to shoulder
# vtest.avi frame (0-based) → people in it, counted by eye.
VTEST_PEOPLE = {
    100: 7,  # a far walker top left, 3 by the sign (one half behind it), 3 on the road
    350: 5,  # 2 by the sign, 1 crossing, a couple on the right
    650: 6,  # 3 on the far path, 1 crossing, 1 on the right, 1 on the grass in front
}


# What an inference worker builds by default (the factory called with empty options: int8),
# and the fp32 model it was quantized from.
SHIPPED_NANODET = {"int8": {}, "fp32": {"model": FP32_MODEL}}
# Frames that calibrated none of the int8 model's ranges (those are 0, 20, 40, ...).
UNSEEN_FRAMES = set(range(5, 795, 32))


@pytest.fixture(scope="module", params=list(SHIPPED_NANODET))
def detector(request: pytest.FixtureRequest) -> OnnxDetector:
    return build_detector(SHIPPED_NANODET[request.param])


def _read(path: Path) -> FrameBGR:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, path
    return np.asarray(image, np.uint8)


def _people(detector: OnnxDetector, image: FrameBGR) -> list[Detection]:
    return [d for d in detector.detect(image) if d.label == "person"]


def test_grace_hopper_is_one_person_where_she_sits(detector: OnnxDetector) -> None:
    people = _people(detector, _read(grace_hopper_path()))
    assert len(people) == 1
    assert iou(people[0].box, GRACE_HOPPER_BOX) > 0.5


def test_the_astronaut_is_one_person_where_she_stands(detector: OnnxDetector) -> None:
    people = _people(detector, _read(astronaut_path()))
    assert len(people) == 1
    assert iou(people[0].box, ASTRONAUT_BOX) > 0.5


def test_a_cup_of_coffee_holds_no_person(detector: OnnxDetector) -> None:
    image = _read(coffee_path())
    low = build_detector(DetectorConfig(min_score=0.3, keep_labels=("person",)))
    assert low.detect(image) == []
    # At the default threshold the model sees the wooden table top the cup stands on (0.50,
    # a fair call) and nothing else.
    assert {d.label for d in detector.detect(image)} <= {"dining table"}


def _vtest_frames(wanted: set[int]) -> dict[int, FrameBGR]:
    """The frames of vtest.avi read in order (seeking in an AVI may land on another frame)."""
    capture = cv2.VideoCapture(str(vtest_path()))
    frames: dict[int, FrameBGR] = {}
    index = 0
    try:
        while len(frames) < len(wanted):
            ok, image = capture.read()
            assert ok, f"vtest.avi ended at frame {index}"
            if index in wanted:
                frames[index] = np.asarray(image, np.uint8)
            index += 1
    finally:
        capture.release()
    return frames


def test_vtest_walkers_are_counted_within_one(detector: OnnxDetector) -> None:
    frames = _vtest_frames(set(VTEST_PEOPLE))
    counts = {index: len(_people(detector, frame)) for index, frame in frames.items()}
    for index, expected in VTEST_PEOPLE.items():
        assert abs(counts[index] - expected) <= 1, (index, counts[index], expected)


def _matched(reference: list[Detection], found: list[Detection]) -> int:
    """How many reference boxes a found box of the same label covers (IoU > 0.5), each once."""
    free = list(found)
    matched = 0
    for wanted in reference:
        best = max(
            free,
            key=lambda d: iou(d.box, wanted.box) if d.label == wanted.label else 0.0,
            default=None,
        )
        if best is not None and best.label == wanted.label and iou(best.box, wanted.box) > 0.5:
            free.remove(best)
            matched += 1
    return matched


def test_int8_finds_what_fp32_finds_on_frames_it_was_not_calibrated_on() -> None:
    int8, fp32 = (build_detector(SHIPPED_NANODET[name]) for name in ("int8", "fp32"))
    reference = found = matched = 0
    for frame in _vtest_frames(UNSEEN_FRAMES).values():
        theirs, ours = fp32.detect(frame), int8.detect(frame)
        reference, found = reference + len(theirs), found + len(ours)
        matched += _matched(theirs, ours)
    # Measured on 50 such frames: persons 272 of 272 found again, 8 more boxes than fp32.
    assert reference > 100
    assert matched >= 0.95 * reference, (matched, reference)
    assert matched >= 0.9 * found, (matched, found)


def test_a_sub_stream_sized_frame_kept_at_its_size_loses_few_walkers() -> None:
    # The 384×288 sub stream of a 4:3 camera, as analysed (kept) and as enlarged to 416×320.
    kept, enlarged = (build_detector({"upscale": upscale}) for upscale in (False, True))
    reference = found = matched = 0
    for frame in _vtest_frames(UNSEEN_FRAMES).values():
        small = np.asarray(cv2.resize(frame, (384, 288), interpolation=cv2.INTER_AREA), np.uint8)
        theirs, ours = _people(enlarged, small), _people(kept, small)
        reference, found = reference + len(theirs), found + len(ours)
        matched += _matched(theirs, ours)
    # Measured on these 25 frames (int8, AVX2): 146 persons enlarged, 143 kept, 140 the same.
    # Other CPUs' int8 kernels may round differently, hence a few boxes of margin.
    assert reference > 100
    assert matched >= 0.93 * reference, (matched, reference)
    assert matched >= 0.9 * found, (matched, found)


@pytest.fixture(scope="module")
def ssdlite() -> OnnxDetector:
    return build_detector(
        DetectorConfig(model=Path("ssdlite-person.onnx"), family="ssd", labels=Path("person.txt"))
    )


def test_ssdlite_finds_the_close_up_people_and_no_one_in_the_coffee(ssdlite: OnnxDetector) -> None:
    for path, box in ((grace_hopper_path(), GRACE_HOPPER_BOX), (astronaut_path(), ASTRONAUT_BOX)):
        people = _people(ssdlite, _read(path))
        assert len(people) == 1, path
        assert iou(people[0].box, box) > 0.5, path
    assert ssdlite.detect(_read(coffee_path())) == []


def test_ssdlite_finds_some_walkers_of_the_wide_shot_and_never_more_than_there_are(
    ssdlite: OnnxDetector,
) -> None:
    frames = _vtest_frames(set(VTEST_PEOPLE))
    counts = {index: len(_people(ssdlite, frame)) for index, frame in frames.items()}
    # Measured: 4 of 7, 2 of 5, 4 of 6 (docs/design/analytics-events.md has the comparison).
    assert all(2 <= counts[i] <= VTEST_PEOPLE[i] for i in VTEST_PEOPLE), counts
    assert sum(counts.values()) >= sum(VTEST_PEOPLE.values()) // 2, counts
