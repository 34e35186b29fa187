"""Content digest of an ONNX model, and a check that two models compute the same thing.

tf2onnx writes nodes and helper tensors in an order that changes from run to run, so the bytes
of a fresh conversion never match the shipped file's. What must match is the content: the
weights (each tensor's type, shape and values, regardless of its generated name), the multiset
of operators, and the outputs for a fixed input. Usage:
  python onnx_digest.py MODEL                 print the content digest
  python onnx_digest.py MODEL --same-as REF   also compare outputs with REF on a fixed input
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort  # type: ignore[import-untyped]
from onnx import numpy_helper


def content_digest(path: Path) -> str:
    model = onnx.load(str(path))
    weights = sorted(
        hashlib.sha256(
            bytes([tensor.data_type])
            + str(list(tensor.dims)).encode()
            + numpy_helper.to_array(tensor).tobytes()
        ).hexdigest()
        for tensor in model.graph.initializer
    )
    operators = sorted(node.op_type for node in model.graph.node)
    text = "\n".join([*weights, " ".join(operators)])
    return hashlib.sha256(text.encode()).hexdigest()


def run_fixed(path: Path) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model_input = session.get_inputs()[0]
    # A dynamic batch is 1 and a dynamic picture side 320 (a uint8 NHWC input's channels are 3).
    shape = [
        d if isinstance(d, int) else (1 if i == 0 else 320) for i, d in enumerate(model_input.shape)
    ]
    rng = np.random.default_rng(14)
    if model_input.type == "tensor(uint8)":
        values = rng.integers(0, 256, shape).astype(np.uint8)
    else:
        values = rng.standard_normal(shape).astype(np.float32)
    names = [output.name for output in session.get_outputs()]
    outputs = session.run(names, {model_input.name: values})
    return {name: np.asarray(value) for name, value in zip(names, outputs, strict=True)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--same-as", type=Path)
    args = parser.parse_args()
    print(content_digest(args.model))
    if args.same_as is None:
        return 0
    ours, theirs = run_fixed(args.model), run_fixed(args.same_as)
    if {k: v.shape for k, v in ours.items()} != {k: v.shape for k, v in theirs.items()}:
        print("outputs differ in names or shapes", file=sys.stderr)
        return 1
    worst = max(float(np.abs(ours[name] - theirs[name]).max()) for name in ours)
    if worst > 1e-4:
        print(f"outputs differ by up to {worst}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
