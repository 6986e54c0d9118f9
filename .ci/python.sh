#!/usr/bin/env bash
# The Python package (python/): built with maturin into a venv, sharing the workspace's target/
# (tract is compiled once for the CLI and the package), then `pytest python/tests`: the API,
# bit-identical values against the CLI binary, bad input, Ctrl-C, plots, explain_batches, Spark
# in local[2] (and Parquet folders Spark writes read by the CLI), Ray with two CPUs, and
# onnxruntime found through a pip package. Run from anywhere after `cargo build --release`.
set -euo pipefail
cd "$(dirname "$0")/.."
test -x target/release/onnx-inspector || cargo build --release
venv=target/py-venv
test -x "$venv/bin/python" || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet -r python/requirements-test.txt
# No build isolation: the pinned maturin above (on PATH for pip's build hook) builds the wheel.
export PATH="$PWD/$venv/bin:$PATH"
"$venv/bin/python" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps ./python
# engine="auto" finding onnxruntime through a pip package (python/tests/test_ort.py).
ort_lib=$(bash .ci/ort-lib.sh)
export ONNX_INSPECTOR_ORT_LIB="$ort_lib"
# Every extra's tests must run here: a missing package fails instead of skipping.
export ONNX_INSPECTOR_REQUIRE=pandas,arrow,shap,spark,ray,ort
set +e
"$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$status"
