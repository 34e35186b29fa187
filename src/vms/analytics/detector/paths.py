"""Where the shipped model and label files are, and how a configured path is resolved.

The converted NanoDet-m (fp32, and int8 for CPUs) and its labels live in the repository's
`models/` folder (see models/NOTICE); VMS installs editable (`make setup`), so a path relative to
this file reaches it. `VMS_MODELS_DIR` points elsewhere (a packaged install, a user's own
models folder).
"""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED_MODEL = "nanodet-m-int8.onnx"  # int8 convolutions: half the CPU (quantize_nanodet.py)
FP32_MODEL = "nanodet-m.onnx"  # what it was quantized from; better on a GPU
SHIPPED_LABELS = "coco80.txt"
_REPO_MODELS = Path(__file__).resolve().parents[4] / "models"


def models_dir() -> Path:
    """The folder searched for model and label files named without a folder."""
    override = os.environ.get("VMS_MODELS_DIR")
    return Path(override) if override else _REPO_MODELS


def resolve(path: Path) -> Path:
    """An absolute path as given; a relative one in the models folder when it is there, else
    relative to the working directory. Raises FileNotFoundError naming both places."""
    candidates = [path] if path.is_absolute() else [models_dir() / path, Path.cwd() / path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"model file {path} not found (looked in: {tried})")
