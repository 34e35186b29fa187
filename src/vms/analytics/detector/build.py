"""`build_detector`: a configuration → a ready `Detector` (session, family, filters)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnxruntime as ort  # type: ignore[import-untyped]  # no stubs, no py.typed

from vms.analytics.detection import Detection, FrameBGR
from vms.analytics.detector.families import Family, make_family
from vms.analytics.detector.labels import read_labels
from vms.analytics.detector.paths import resolve
from vms.analytics.detector.postprocess import Filters, to_detections
from vms.analytics.detector.session import open_session
from vms.config.detector import DetectorConfig


class OnnxDetector:
    """A `Detector` over one onnxruntime session. Not thread-safe: one per worker process."""

    def __init__(
        self,
        session: ort.InferenceSession,
        family: Family,
        filters: Filters,
        iou: float,
        input_size: tuple[int, int],
    ) -> None:
        self._session = session
        self._family = family
        self._filters = filters
        self._iou = iou
        self._floor = filters.floor()
        self._outputs = [o.name for o in session.get_outputs()]
        self.input_size = input_size

    @property
    def labels(self) -> tuple[str, ...]:
        return self._filters.labels

    @property
    def session(self) -> ort.InferenceSession:
        """The onnxruntime session (for benchmarks that time the model alone)."""
        return self._session

    @property
    def family(self) -> Family:
        return self._family

    def detect(self, frame: FrameBGR) -> list[Detection]:
        inputs, placed = self._family.prepare(frame)
        values = self._session.run(self._outputs, inputs)
        outputs = {name: np.asarray(v) for name, v in zip(self._outputs, values, strict=True)}
        candidates = self._family.decode(outputs, self._floor, placed.input_size)
        return to_detections(candidates, placed, self._filters, self._iou)


def declared_size(shape: Sequence[object], channels_last: bool) -> tuple[int, int] | None:
    """The (width, height) a model's input declares, or None when they are dynamic."""
    if len(shape) != 4:
        return None
    height, width = (shape[1], shape[2]) if channels_last else (shape[2], shape[3])
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    return None


def build_detector(config: DetectorConfig | Mapping[str, Any]) -> OnnxDetector:
    """Open the configured model and wire its family's processing to the configured filters.

    Also the inference workers' default factory (`analytics.detector_factory`), called with
    `analytics.detector_options`: a plain mapping is validated as a `DetectorConfig` here, in
    the worker, so `{}` is the shipped NanoDet-m."""
    if not isinstance(config, DetectorConfig):
        config = DetectorConfig.model_validate(dict(config))
    labels = read_labels(resolve(config.labels))
    session = open_session(resolve(config.model), threads=config.threads, device=config.device)
    model_input = session.get_inputs()[0]
    declared = declared_size(model_input.shape, config.family == "ssd")
    size = config.size_for(declared)
    family = make_family(
        config.family,
        model_input.name,
        size,
        len(labels),
        logits=config.scores_are_logits,
        fitted=declared is None,
        upscale=config.upscale,
    )
    filters = Filters(
        labels,
        frozenset(config.keep_labels) if config.keep_labels is not None else None,
        config.min_score,
        dict(config.min_score_by_label),
        config.min_size_px,
        dict(config.min_size_by_label),
    )
    return OnnxDetector(session, family, filters, config.nms_iou, size)
