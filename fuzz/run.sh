#!/bin/sh
# Runs one fuzz target for a wall-clock budget under nice, recording its CPU time.
# Usage: fuzz/run.sh <csv|npy|json|onnx> <seconds> [extra libFuzzer flags]
# (from the repository root, after the instrumented build in fuzz/README.md and fuzz/make_seeds.py)
set -eu
t=$1
secs=$2
shift 2
cd "$(dirname "$0")"
bin=target/x86_64-unknown-linux-gnu/release/$t
mkdir -p "corpus/$t" "artifacts/$t" logs
FUZZ_GUARDED_DIR="artifacts/$t-guarded" nice -n 15 /usr/bin/time -v -o "logs/$t.$(date +%H%M%S).time" \
    "$bin" "corpus/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$secs" \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 "$@"
