"""The onnxruntime session: execution providers chosen at run time, a fixed thread count.

Inference workers are processes, one per core, so a session defaults to one intra-op thread:
more threads per session would fight the other workers for the same cores. A GPU is used when
the installed onnxruntime offers TensorRT or CUDA; the CPU is always the last resort, and the
log says which provider the session really got (onnxruntime falls back silently otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import onnxruntime as ort  # type: ignore[import-untyped]  # no stubs, no py.typed

log = logging.getLogger(__name__)

Device = Literal["auto", "cpu"]
_GPU_PROVIDERS = ("TensorrtExecutionProvider", "CUDAExecutionProvider")
_CPU = "CPUExecutionProvider"


def choose_providers(available: Sequence[str], device: Device) -> list[str]:
    """Providers in order of preference: TensorRT, CUDA (those installed), then the CPU."""
    if device == "cpu":
        return [_CPU]
    return [p for p in _GPU_PROVIDERS if p in available] + [_CPU]


def open_session(path: Path, *, threads: int = 1, device: Device = "auto") -> ort.InferenceSession:
    """An inference session for the model at `path`."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: the provider fallback is logged below
    # Idle pool threads would spin waiting for work, burning the CPU other workers need.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    wanted = choose_providers(ort.get_available_providers(), device)
    session = ort.InferenceSession(str(path), sess_options=options, providers=wanted)
    used = session.get_providers()
    log.info("detector %s runs on %s (%d thread(s))", path.name, used[0], threads)
    if used[0] != wanted[0]:
        log.warning("detector %s wanted %s but got %s", path.name, wanted[0], used[0])
    return session
