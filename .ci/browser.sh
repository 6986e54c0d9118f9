#!/usr/bin/env bash
# Browser test of report.html: installs Debian's chromium when missing, writes reports of a
# binary classifier (labels, standard errors), a 10-class model (class labels) and a run kept in
# Parquet only (report from its parts), and opens each from disk in headless Chromium
# (tests/browser/report_in_chromium.py: no console error, no network request, the table filters
# and sorts, a click and Enter show the waterfall, the screenshot is not blank).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/onnx-inspector}

if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi

out=target/ci-browser
rm -rf "$out"
"$bin" explain models/breast_cancer.onnx --data models/breast_cancer_test.csv --samples 300 \
  --labels-file models/breast_cancer_test_labels.csv --no-charts --quiet --out "$out/binary"
"$bin" explain models/ref_dense100.onnx --data models/digits10_test.csv --rows 0:150 \
  --samples 200 --labels-file models/digits10_test_labels.csv --no-charts --quiet --out "$out/digits"
"$bin" explain models/diabetes.onnx --data models/diabetes_test.csv --samples 200 \
  --json-rows 30 --chunk-rows 40 --no-charts --quiet --out "$out/parquet"
"$bin" report "$out/parquet" --labels-file models/diabetes_test_labels.csv --quiet
for run in binary digits parquet; do
  python3 tests/browser/report_in_chromium.py "$out/$run/report.html"
done
