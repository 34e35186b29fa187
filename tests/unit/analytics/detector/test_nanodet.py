"""NanoDet: BGR mean/std input, per-level class scores and GFL box bins decoded about each
cell's centre, mapped back through the letterbox; NMS per class; the score floor per label."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.unit.analytics.detector.tiny import LABELS, config, constant_model, frame, labels_file
from vms.analytics.detector import build_detector
from vms.analytics.detector.families.nanodet import NanoDet
from vms.config.detector import DetectorConfig

SIZE = 64  # strides 8, 16, 32: grids of 8×8, 4×4 and 2×2 cells
BINS = 11


def _bins(left: int, top: int, right: int, bottom: int) -> np.ndarray:
    """Box logits whose softmax expectation is exactly these distances (in strides)."""
    logits = np.zeros((4, BINS), np.float32)
    for side, steps in enumerate((left, top, right, bottom)):
        logits[side, steps] = 40.0
    return logits.reshape(-1)


def _outputs(levels: dict[int, int] | None = None) -> dict[str, np.ndarray]:
    """Cells per stride: a 64×64 input's grids unless told."""
    levels = levels or {8: 64, 16: 16, 32: 4}
    cls = {s: np.full((1, n, len(LABELS)), 0.01, np.float32) for s, n in levels.items()}
    box = {s: np.zeros((1, n, 4 * BINS), np.float32) for s, n in levels.items()}
    # Cell (3, 3) of stride 8, centre (28, 28): 16 left, 8 up, 24 right, 16 down → (12, 20, 52, 44).
    cls[8][0, 27, 0] = 0.9  # a person
    cls[8][0, 27, 1] = 0.7  # and a car on the same box: another class, NMS keeps both
    box[8][0, 27] = _bins(2, 1, 3, 2)
    # Cell (4, 3), centre (36, 28): the same box again, a weaker person: a repeat for NMS.
    cls[8][0, 28, 0] = 0.8
    box[8][0, 28] = _bins(3, 1, 2, 2)
    # Cell (1, 0) of stride 32, centre (48, 16): (16, 16, 48, 48), a dog under the default floor.
    cls[32][0, 1, 2] = 0.4
    box[32][0, 1] = _bins(1, 0, 0, 1)
    return {f"{kind}{s}": t for s in levels for kind, t in (("cls", cls[s]), ("box", box[s]))}


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return constant_model(tmp_path / "nanodet.onnx", "input_1:0", [1, 3, SIZE, SIZE], _outputs())


def test_boxes_decode_about_cell_centres_and_map_back_through_the_letterbox(
    model: Path, tmp_path: Path
) -> None:
    detector = build_detector(config(model, labels_file(tmp_path), "nanodet"))
    # 128×64 into 64×64: scale 0.5, 16 rows of padding above and below.
    found = detector.detect(frame(128, 64))
    assert [(d.label, round(d.score, 2)) for d in found] == [("person", 0.9), ("car", 0.7)]
    for detection in found:
        assert detection.box == pytest.approx((24, 8, 104, 56), abs=1e-3)


def test_a_per_label_floor_below_the_default_keeps_weaker_labels(
    model: Path, tmp_path: Path
) -> None:
    cfg = config(model, labels_file(tmp_path), "nanodet", min_score_by_label={"dog": 0.3})
    found = build_detector(cfg).detect(frame(128, 64))
    dogs = [d for d in found if d.label == "dog"]
    assert len(dogs) == 1
    assert dogs[0].box == pytest.approx((32, 0, 96, 64), abs=1e-3)


def test_input_is_bgr_normalised_by_mean_and_std_and_padded_with_the_mean() -> None:
    inputs, placed = NanoDet("in", (SIZE, SIZE), 3).prepare(frame(128, 64, (110, 120, 130)))
    tensor = inputs["in"]
    assert tensor.shape == (1, 3, SIZE, SIZE)
    assert tensor.dtype == np.float32
    assert (placed.scale, placed.pad_x, placed.pad_y) == (0.5, 0, 16)
    picture = tensor[0, :, 32, 32]
    assert picture == pytest.approx(
        [(110 - 103.53) / 57.375, (120 - 116.28) / 57.12, (130 - 123.675) / 58.395], abs=1e-5
    )
    assert np.abs(tensor[0, :, :16, :]).max() < 0.01  # padding is (about) zero after normalising


def test_outputs_that_do_not_pair_up_are_refused() -> None:
    family = NanoDet("in", (SIZE, SIZE), 3)
    outputs = _outputs()
    del outputs["box16"]
    with pytest.raises(ValueError, match="pair up"):
        family.decode(outputs, 0.5, (SIZE, SIZE))


def test_a_model_with_dynamic_sides_gets_each_frame_at_its_own_aspect(tmp_path: Path) -> None:
    # 128×64 fitted into at most 64×64, rounded up to the stride 32: a 64×32 input, no padding.
    # Its grids are 8×4, 4×2 and 2×1 cells; cell 27 of stride 8 is now (3, 3) of an 8-wide grid.
    outputs = _outputs({8: 32, 16: 8, 32: 2})
    model = constant_model(tmp_path / "fitted.onnx", "in", [1, 3, "height", "width"], outputs)
    detector = build_detector(config(model, labels_file(tmp_path), "nanodet", input_size=[64, 64]))
    inputs, placed = detector.family.prepare(frame(128, 64))
    assert inputs["in"].shape == (1, 3, 32, 64)
    assert (placed.scale, placed.pad_x, placed.pad_y, placed.input_size) == (0.5, 0, 0, (64, 32))
    found = detector.detect(frame(128, 64))
    assert [(d.label, round(d.score, 2)) for d in found] == [("person", 0.9), ("car", 0.7)]
    for detection in found:  # (12, 20, 52, 44) in the input, doubled: no padding to take off
        assert detection.box == pytest.approx((24, 40, 104, 64), abs=1e-3)


def test_a_fitted_input_is_never_larger_than_the_configured_one() -> None:
    family = NanoDet("in", (416, 416), 3, fitted=True)
    for (width, height), expected in {
        (768, 576): (416, 320),  # 4:3 → 416×312 of picture
        (1920, 1080): (416, 256),  # 16:9 → 416×234
        (1080, 1920): (256, 416),  # portrait
        (500, 500): (416, 416),
    }.items():
        inputs, placed = family.prepare(frame(width, height))
        assert placed.input_size == expected
        assert inputs["in"].shape == (1, 3, expected[1], expected[0])


def test_a_fitted_input_enlarges_a_small_frame_only_when_asked() -> None:
    keep = NanoDet("in", (416, 416), 3, fitted=True, upscale=False)
    enlarge = NanoDet("in", (416, 416), 3, fitted=True, upscale=True)
    for (width, height), (kept, enlarged) in {
        (384, 288): ((384, 288), (416, 320)),  # a 4:3 sub stream: no pixel made up
        (320, 180): ((320, 192), (416, 256)),  # rounded up to the stride, padded
        (768, 576): ((416, 320), (416, 320)),  # larger frames shrink either way
    }.items():
        inputs, placed = keep.prepare(frame(width, height))
        assert (placed.input_size, placed.scale) == (kept, min(1.0, 416 / width))
        assert inputs["in"].shape == (1, 3, kept[1], kept[0])
        assert enlarge.prepare(frame(width, height))[1].input_size == enlarged


def test_the_shipped_configuration_keeps_small_frames_at_their_size() -> None:
    assert DetectorConfig().upscale is False
