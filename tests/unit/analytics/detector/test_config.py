"""The detector's settings and how its file names resolve: the shipped model by default, a
user's own by path; per-label values checked; the input size from config, model or family."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from vms.analytics.detector.labels import label_of, read_labels
from vms.analytics.detector.paths import SHIPPED_LABELS, SHIPPED_MODEL, models_dir, resolve
from vms.config.detector import DetectorConfig


def test_the_default_points_at_the_shipped_nanodet_and_its_coco_labels() -> None:
    config = DetectorConfig()
    assert (config.model, config.labels) == (Path(SHIPPED_MODEL), Path(SHIPPED_LABELS))
    assert resolve(config.model).is_file()
    labels = read_labels(resolve(config.labels))
    assert len(labels) == 80
    assert (labels[0], labels[2], labels[79]) == ("person", "car", "toothbrush")
    assert (config.family, config.min_score, config.nms_iou, config.threads) == (
        "nanodet",
        0.5,
        0.45,
        1,
    )


def test_relative_names_look_in_the_models_folder_then_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "mine.onnx").write_bytes(b"x")
    (tmp_path / "local.onnx").write_bytes(b"x")
    monkeypatch.setenv("VMS_MODELS_DIR", str(models))
    monkeypatch.chdir(tmp_path)
    assert models_dir() == models
    assert resolve(Path("mine.onnx")) == models / "mine.onnx"
    assert resolve(Path("local.onnx")) == tmp_path / "local.onnx"
    assert resolve(tmp_path / "local.onnx") == tmp_path / "local.onnx"
    with pytest.raises(FileNotFoundError, match=r"missing\.onnx"):
        resolve(Path("missing.onnx"))


def test_per_label_values_are_checked() -> None:
    with pytest.raises(ValidationError, match="min_score_by_label"):
        DetectorConfig(min_score_by_label={"person": 1.5})
    with pytest.raises(ValidationError, match="min_size_by_label"):
        DetectorConfig(min_size_by_label={"car": -1})
    with pytest.raises(ValidationError):
        DetectorConfig.model_validate({"family": "detr"})


def test_input_size_comes_from_config_then_model_then_family() -> None:
    assert DetectorConfig(input_size=(320, 192)).size_for((416, 416)) == (320, 192)
    assert DetectorConfig(family="yolo").size_for((512, 512)) == (512, 512)
    assert DetectorConfig(family="yolo").size_for(None) == (640, 640)
    assert DetectorConfig(family="ssd").size_for(None) == (300, 300)


def test_label_files_keep_inner_gaps_and_name_unknown_classes(tmp_path: Path) -> None:
    path = tmp_path / "labels.txt"
    path.write_text("person\n\ncar\n\n\n")
    labels = read_labels(path)
    assert labels == ("person", "", "car")
    assert [label_of(labels, i) for i in range(4)] == ["person", "class1", "car", "class3"]
    path.write_text("\n")
    with pytest.raises(ValueError, match="no labels"):
        read_labels(path)
