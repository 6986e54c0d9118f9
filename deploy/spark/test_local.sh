#!/usr/bin/env bash
# Tests deploy/spark/explain_spark.py in Spark local[2] mode: 3 shards of a CSV and of a Parquet
# copy, merged, must equal a single-machine run. Needs Java 17 and Python 3; installs PySpark in
# a venv (target/spark-venv). Run from anywhere after `cargo build --release`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/release/onnx-inspector
test -x "$bin" || cargo build --release
venv=${SPARK_VENV:-target/spark-venv}
test -x "$venv/bin/python" || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet -r deploy/spark/requirements.txt
work=target/spark-test
rm -rf "$work"
mkdir -p "$work"
opts=(--method permutation --samples 100 --chunk-rows 8 --json-rows 40)

# The job passes absolute paths, which meta records: the single run uses the same ones.
"$bin" explain "$PWD/models/diabetes.onnx" --data "$PWD/models/diabetes_test.csv" "${opts[@]}" \
  --no-charts --quiet --out "$work/single"

"$venv/bin/python" deploy/spark/explain_spark.py --master 'local[2]' --bin "$bin" \
  --model models/diabetes.onnx --data models/diabetes_test.csv --shards 3 \
  --out "$work/csv" -- "${opts[@]}"

# The same rows as Parquet (written by Spark), read by `explain` itself through the same job.
"$venv/bin/python" - "$work" <<'PY'
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[2]").getOrCreate()
df = spark.read.option("header", True).option("inferSchema", True).csv("models/diabetes_test.csv")
df.coalesce(2).write.parquet(sys.argv[1] + "/data.parquet")
spark.stop()
PY
"$venv/bin/python" deploy/spark/explain_spark.py --master 'local[2]' --bin "$bin" \
  --model models/diabetes.onnx --data "$work/data.parquet" --shards 3 \
  --out "$work/parquet" -- "${opts[@]}"

"$venv/bin/python" - "$work" <<'PY'
import json, sys
from pathlib import Path
work = Path(sys.argv[1])
def load(p):
    d = json.loads((p / "explanations.json").read_text())
    d["meta"]["timings"] = None
    return d
single = load(work / "single")
for run in ("csv", "parquet"):
    merged = load(work / run / "all")
    if run == "csv":
        parts = sorted((work / "single" / "attributions").glob("*.parquet"))
        assert parts, "no parts"
        for p in parts:
            assert (work / run / "all" / "attributions" / p.name).read_bytes() == p.read_bytes(), p
        assert merged == single, "merged explanations.json differs from the single run"
    else:
        # Spark rewrote the data as Parquet: same numbers, so the same values; other path and hash.
        for key in ("summary", "feature_names", "output_names", "values", "stderr", "data"):
            assert merged[key] == single[key], key
print("spark local[2]: merged shards equal the single run (CSV and Parquet input)")
PY
