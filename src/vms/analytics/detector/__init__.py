"""The object detector: an ONNX model run by onnxruntime, with the pre- and post-processing of
its family (NanoDet, YOLO, RT-DETR, SSD), turned into `Detection`s in the frame's pixels.

Split into small modules so that each family's maths is tested without a real model and the
runtime choices (providers, threads) sit in one place. `build_detector` is the one door.
"""

from vms.analytics.detector.build import OnnxDetector, build_detector
from vms.analytics.detector.masks import drop_masked

__all__ = ["OnnxDetector", "build_detector", "drop_masked"]
