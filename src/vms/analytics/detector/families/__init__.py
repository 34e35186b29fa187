"""The model families and the one function that picks a family's code for a configuration."""

from __future__ import annotations

from vms.analytics.detector.families.base import Candidates, Family
from vms.analytics.detector.families.nanodet import NanoDet
from vms.analytics.detector.families.rtdetr import RtDetr
from vms.analytics.detector.families.ssd import Ssd
from vms.analytics.detector.families.yolo import Yolo
from vms.config.detector import Family as FamilyName

__all__ = ["Candidates", "Family", "make_family"]


def make_family(
    name: FamilyName,
    input_name: str,
    size: tuple[int, int],
    classes: int,
    *,
    logits: bool,
    fitted: bool = False,
    upscale: bool = True,
) -> Family:
    """The pre/post-processing of family `name` for a model input `input_name` of `size`;
    `fitted`: the input's sides are dynamic, so NanoDet fits each frame's aspect within `size`
    (the other families always get `size`), enlarging a smaller frame only with `upscale`."""
    if name == "nanodet":
        return NanoDet(input_name, size, classes, fitted, upscale)
    if name == "yolo":
        return Yolo(input_name, size, classes, logits)
    if name == "rtdetr":
        return RtDetr(input_name, size, classes, logits)
    return Ssd(input_name, size)
