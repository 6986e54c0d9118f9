#!/usr/bin/env bash
# Prints the path of libonnxruntime.so from a pinned pip `onnxruntime` (.ci/requirements-ort.txt)
# in a venv (target/ci-ort-venv, or $ORT_VENV), creating the venv when missing. Used by
# .ci/ort.sh (the cargo feature `ort`) and .ci/python.sh (the package's engine="auto").
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${ORT_VENV:-target/ci-ort-venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
"$venv/bin/pip" install --quiet -r .ci/requirements-ort.txt >&2
lib=$(ls "$venv"/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so* | head -n 1)
if [ ! -f "$lib" ]; then
  echo "libonnxruntime.so not found in $venv" >&2
  exit 1
fi
echo "$PWD/$lib"
