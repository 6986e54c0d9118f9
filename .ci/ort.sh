#!/usr/bin/env bash
# CI for the optional onnxruntime engine (cargo feature `ort`): builds the feature, lints it, and
# runs the model-zoo tests (plus the engine's own tests) through onnxruntime, with the
# libonnxruntime.so of a pinned pip `onnxruntime` in a venv.
#   bash .ci/ort.sh            (reuses target/ci-ort-venv when it is already there)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${ORT_VENV:-target/ci-ort-venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet -r .ci/requirements-ort.txt
lib=$(ls "$venv"/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so* | head -n 1)
if [ ! -f "$lib" ]; then
  echo "libonnxruntime.so not found in $venv" >&2
  exit 1
fi
export ORT_DYLIB_PATH="$PWD/$lib"
echo "== ORT_DYLIB_PATH=$ORT_DYLIB_PATH"

echo "== cargo clippy --features ort"
cargo clippy --release --all-targets --features ort -- -D warnings

echo "== model zoo and engine tests through onnxruntime"
cargo test --release --features ort --test model_zoo --test ort_engine
