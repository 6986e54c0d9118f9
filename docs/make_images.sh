#!/usr/bin/env bash
# Regenerates every chart in docs/img with the release binary, from the bundled models and data
# (and the screenshots of report.html, with headless Chromium).
#
#   bash docs/make_images.sh [--check] [BIN]
#
# BIN defaults to target/release/onnx-inspector (`cargo build --release`). With --check nothing in
# docs/img changes: the charts are drawn into a temporary folder and compared byte for byte with
# the committed ones (CI runs this; charts are deterministic: same inputs and seed, same bytes).
# docs/img/error_vs_time.png and docs/img/million.png are benchmark figures, drawn by matplotlib
# from benches/results/{estimator_sweep,million}.json: regenerate them with
# benches/plot_error_vs_time.py and benches/plot_million.py.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
bin=${1:-target/release/onnx-inspector}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
img="$work/img"
mkdir -p "$img"

run() { "$bin" "$@" >/dev/null; }

# Quick start: the demo (kernel SHAP and LIME of 8 test digits, reference network).
run demo --out "$work/demo"
cp "$work/demo/shap/image_out7.png" "$img/demo_digits_image_out7.png"
cp "$work/demo/shap/waterfall_row0_out7.png" "$img/demo_digits_waterfall_row0.png"

# explain: 40 breast-cancer rows with the defaults (permutation SHAP).
run explain models/breast_cancer.onnx --data models/breast_cancer_test.csv --rows 0:40 \
  --quiet --out "$work/bc"
cp "$work/bc/waterfall_row0_out0.png" "$img/waterfall_breast_cancer.png"
cp "$work/bc/beeswarm_out0.png" "$img/beeswarm_breast_cancer.png"

# LIME with training statistics.
run explain models/breast_cancer.onnx --data models/breast_cancer_test.csv --rows 0:5 \
  --method lime --train models/breast_cancer_train.csv --quiet --out "$work/lime"
cp "$work/lime/waterfall_row0_out0.png" "$img/waterfall_lime_breast_cancer.png"

# Image heatmaps of the 8x8 CNN: the first 20 test digits, those predicted as 3.
run explain models/cnn_digits8.onnx --data models/digits8_test.csv --rows 0:20 \
  --quiet --out "$work/cnn8"
cp "$work/cnn8/image_out3.png" "$img/image_cnn_digits8.png"

# The trained 32x32x3 CNN: 4x4-pixel patches, then SLIC superpixels, hidden by blur.
run explain models/digits32_cnn.onnx --data models/digits32_test.csv --rows 0:4 --patch 4 \
  --mask blur --quiet --out "$work/d32"
cp "$work/d32/overlay_row0_out7.png" "$img/overlay_digits32_partition_blur.png"
run explain models/digits32_cnn.onnx --data models/digits32_test.csv --rows 0:4 \
  --superpixels 20 --mask blur --quiet --out "$work/d32sp"
cp "$work/d32sp/overlay_row0_out7.png" "$img/overlay_digits32_superpixels.png"

# Sequences and text: the LSTM regressor's per-cell map and its time players; the text
# classifier's words (partition SHAP over token spans, the default for text).
run explain models/series_lstm.onnx --data models/series_test.csv --rows 0:1 --quiet \
  --no-report --out "$work/seq"
cp "$work/seq/time_heatmap_row0_out0.png" "$img/time_heatmap_series_lstm.png"
run explain models/series_lstm.onnx --data models/series_test.csv --rows 0:1 --groups time \
  --method exact --quiet --no-report --out "$work/seqt"
cp "$work/seqt/steps_row0_out0.png" "$img/steps_series_lstm.png"
run explain models/text_sentiment.onnx --data models/text_sentiment_test.csv --rows 0:2 \
  --vocab models/text_sentiment_vocab.txt --quiet --no-report --out "$work/text"
cp "$work/text/text_row1_out0.png" "$img/text_sentiment.png"

# report.html in headless Chromium (Debian's chromium): the rows section with a misclassified
# row chosen, and the global importance. Browser screenshots are not compared under --check (the
# browser draws them, not our code; tests/browser checks the page itself).
if [ "$check" = 0 ]; then
  run explain models/breast_cancer.onnx --data models/breast_cancer_test.csv \
    --labels-file models/breast_cancer_test_labels.csv --no-charts --quiet --out "$work/report"
  python3 docs/report_screenshots.py "$work/report/report.html" "$img/report_rows.png" \
    "$img/report_importance.png" >/dev/null
fi

if [ "$check" = 0 ]; then
  cp "$img"/*.png docs/img/
  echo "wrote $(ls "$img" | wc -l) charts in docs/img"
  exit 0
fi
stale=0
for f in "$img"/*.png; do
  name=$(basename "$f")
  if ! cmp -s "$f" "docs/img/$name"; then
    echo "docs/img/$name differs from what the code draws now"
    stale=1
  fi
done
if [ "$stale" = 1 ]; then
  echo "regenerate with: cargo build --release && bash docs/make_images.sh"
  exit 1
fi
echo "docs/img: $(ls "$img" | wc -l) charts match what the code draws"
