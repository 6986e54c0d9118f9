#!/usr/bin/env python3
"""Rows/s of `onnx_inspector.spark.explain` in Spark local[2] against the CLI on the same rows
(two threads), same options: the cost of Spark and Arrow per row.

Rows: N rows near the diabetes training rows (10 features), as in python/tests/test_spark.py.
CLI: `explain --threads 2 --no-charts --quiet`, wall time of the process. Spark: wall time of
`out.write.format("noop")` (the whole job: partition counts, background sample, one-row probe,
mapInArrow), session already started, after one warm-up job on 200 rows.
Needs the venv of .ci/python.sh (the package installed). Usage from the repo root:
    target/py-venv/bin/python benches/python_spark_vs_cli.py [N] [METHOD] [SAMPLES]
"""

import csv
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BIN", REPO + "/target/release/onnx-inspector")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
METHOD = sys.argv[2] if len(sys.argv) > 2 else "permutation"
SAMPLES = sys.argv[3] if len(sys.argv) > 3 else "200"
MODEL = REPO + "/models/diabetes.onnx"

with open(REPO + "/models/diabetes_train.csv") as f:
    rows = list(csv.reader(f))
names, x = rows[0], np.array([[float(c) for c in r] for r in rows[1:]])
rng = np.random.default_rng(5)
big = (x[rng.integers(0, len(x), N)] + rng.normal(0, 0.01, (N, x.shape[1]))).astype(np.float32)
work = tempfile.mkdtemp(prefix="spark_vs_cli_")
data = os.path.join(work, "data.csv")
with open(data, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(names)
    w.writerows([[repr(float(v)) for v in r] for r in big])

t0 = time.perf_counter()
subprocess.run([BIN, "explain", MODEL, "--data", data, "--method", METHOD, "--samples", SAMPLES,
                "--threads", "2", "--no-charts", "--quiet", "--out", os.path.join(work, "cli")],
               check=True)
cli = time.perf_counter() - t0

os.environ["PYSPARK_PYTHON"] = sys.executable
from pyspark.sql import SparkSession  # noqa: E402
import onnx_inspector.spark as ois  # noqa: E402

spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.sql.files.maxPartitionBytes", 1 << 20).getOrCreate())
df = spark.read.option("header", True).option("inferSchema", True).csv(data).cache()
df.count()


def job(frame):
    out = ois.explain(frame, MODEL, features=names, method=METHOD, samples=int(SAMPLES))
    out.write.format("noop").mode("overwrite").save()


job(df.limit(200))
t0 = time.perf_counter()
job(df)
sp = time.perf_counter() - t0
print(f"{N} rows, {METHOD} samples {SAMPLES}, {df.rdd.getNumPartitions()} partitions")
print(f"CLI --threads 2:   {cli:7.2f} s  {N / cli:8.0f} rows/s")
print(f"Spark local[2]:    {sp:7.2f} s  {N / sp:8.0f} rows/s  ({sp / cli:.2f}x the CLI's time)")
spark.stop()
