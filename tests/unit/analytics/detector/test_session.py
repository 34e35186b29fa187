"""The onnxruntime session: GPU providers when the installed onnxruntime has them, the CPU as the
last resort, the provider really used in the log, and the configured thread count."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from tests.unit.analytics.detector.tiny import constant_model
from vms.analytics.detector.session import choose_providers, open_session


def test_gpu_providers_come_first_when_installed_and_the_cpu_always_last() -> None:
    everything = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    assert choose_providers(everything, "auto") == everything
    assert choose_providers(["CUDAExecutionProvider", "CPUExecutionProvider"], "auto") == [
        "CUDAExecutionProvider",
        "CPUExecutionProvider",
    ]
    assert choose_providers(["CPUExecutionProvider"], "auto") == ["CPUExecutionProvider"]
    assert choose_providers(everything, "cpu") == ["CPUExecutionProvider"]


def test_the_session_logs_the_provider_it_got_and_uses_the_threads_asked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = constant_model(
        tmp_path / "tiny.onnx", "in", [1, 3, 8, 8], {"out": np.ones((1, 2), np.float32)}
    )
    with caplog.at_level(logging.INFO, logger="vms.analytics.detector.session"):
        session = open_session(model, threads=2, device="cpu")
    assert "tiny.onnx runs on CPUExecutionProvider (2 thread(s))" in caplog.text
    assert session.get_session_options().intra_op_num_threads == 2
    assert session.run(None, {"in": np.zeros((1, 3, 8, 8), np.float32)})[0].tolist() == [[1, 1]]
