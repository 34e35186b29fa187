# Shared by the convert_*.sh scripts (sourced, not run): the throwaway converter venv and the
# content check of a fresh conversion against the shipped file.
#
# The converter (tensorflow-cpu + tf2onnx, ~750 MB) goes into .cache/conv, never into the
# project's venv (it needs numpy < 2 and protobuf 3.20). tf2onnx orders nodes differently on
# every run, so a fresh file's bytes vary: the check is the content digest (weights, operators)
# and equal outputs on a fixed input (scripts/models/onnx_digest.py).

WORK=.cache/models
CONV=.cache/conv
PROJECT_PY=.venv/bin/python  # has onnx and onnxruntime (dev extras) for the checks

converter_venv() {
    mkdir -p "$WORK"
    if [[ ! -x $CONV/bin/python ]] || ! $CONV/bin/python -c "import tf2onnx" 2>/dev/null; then
        python3 -m venv "$CONV"
        "$CONV/bin/pip" install -q --disable-pip-version-check \
            "tensorflow-cpu==2.15.1" "tf2onnx==1.16.1" "onnx==1.17.0" "numpy==1.26.4" \
            "protobuf==3.20.3"
    fi
}

# check_converted FRESH SHIPPED SHIPPED_SHA256 CONTENT_DIGEST
check_converted() {
    local fresh=$1 shipped=$2 sha=$3 expected=$4 digest
    echo "$sha  $shipped" | sha256sum --check --quiet
    for digest in "$($PROJECT_PY scripts/models/onnx_digest.py "$shipped")" \
        "$($PROJECT_PY scripts/models/onnx_digest.py "$fresh" --same-as "$shipped")"; do
        if [[ $digest != "$expected" ]]; then
            echo "content digest $digest != expected $expected" >&2
            exit 1
        fi
    done
    echo "ok: $fresh has the shipped model's content (digest $expected)"
}
