"""Make an NCHW model's input height and width dynamic, in place (run after tf2onnx).

The TF.js NanoDet graph declares a fixed 1×3×416×416 input, but nothing in it depends on the
size but the number of cells per level. With the sides dynamic VMS feeds each frame letterboxed
to its own aspect (416×320 for 4:3, 416×256 for 16:9: rounded up to the largest stride) instead
of a square that is a quarter to a third padding, and the padding costs as much as the picture.
Usage: python dynamic_input.py MODEL
"""

from __future__ import annotations

import sys

import onnx


def main(path: str) -> int:
    model = onnx.load(path)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    if len(dims) != 4:
        print(f"{path}: input has {len(dims)} dimensions, not 4 (NCHW)", file=sys.stderr)
        return 1
    for dim, name in ((dims[2], "height"), (dims[3], "width")):
        dim.ClearField("dim_value")
        dim.dim_param = name
    onnx.save(model, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
