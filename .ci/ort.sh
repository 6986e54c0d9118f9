#!/usr/bin/env bash
# CI for the optional onnxruntime engine (cargo feature `ort`): builds the feature, lints it, and
# runs the model-zoo tests (plus the engine's own tests) through onnxruntime, with the
# libonnxruntime.so of a pinned pip `onnxruntime` in a venv.
#   bash .ci/ort.sh            (reuses target/ci-ort-venv when it is already there)
set -euo pipefail
cd "$(dirname "$0")/.."

ort_lib=$(bash .ci/ort-lib.sh)
export ORT_DYLIB_PATH="$ort_lib"
echo "== ORT_DYLIB_PATH=$ORT_DYLIB_PATH"

echo "== cargo clippy --features ort"
cargo clippy --release --all-targets --features ort -- -D warnings

echo "== model zoo and engine tests through onnxruntime"
cargo test --release --features ort --test model_zoo --test ort_engine
