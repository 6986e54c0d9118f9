"""Explain a CSV or Parquet dataset on Spark: one task per shard runs `onnx-inspector explain
--shard K/N --resume`, then the driver runs `onnx-inspector merge`.

For clusters whose executors have no Python (or cannot install the `onnx-inspector` package):
where they do, `onnx_inspector.spark.explain(df, "model.onnx", ...)` from the Python package
explains a DataFrame in place through `mapInArrow`, with no shared disk, CSV or subprocess.

    spark-submit deploy/spark/explain_spark.py --model model.onnx --data data.parquet \
        --out /shared/out --shards 16 -- --method permutation --samples 400

Everything after `--` is passed to every `explain` (use the same options for all shards).
The binary (--bin), the model, the data and --out must be reachable at the same paths from the
driver and every executor (a shared file system; in `local[N]` mode, the local disk). A task that
Spark retries resumes its shard, skipping the parts already written. Parquet input (a file or
the folder Spark writes) is read by `explain` itself, row group by row group; when the table holds
more than the model's columns, pass `-- --features a,b,c` (or `--features @cols.txt`).
"""

import argparse
import os
import subprocess
import sys

from pyspark.sql import SparkSession


def run_shard(k: int, n: int, cmd_base: list, out: str):
    """Explains shard k of n; returns (k, exit code, the end of stderr)."""
    cmd = [*cmd_base, "--shard", f"{k}/{n}", "--resume", "--quiet",
           "--out", os.path.join(out, f"shard-{k}")]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return k, p.returncode, p.stderr[-2000:]


def main() -> None:
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True, help="a .csv or .npy file, or a Parquet file or folder")
    ap.add_argument("--out", required=True, help="output folder: shard-K/ and all/ (merged)")
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--bin", default="onnx-inspector", help="path of the onnx-inspector binary")
    ap.add_argument("--master", default=None, help="e.g. local[2] (default: spark-submit's)")
    a = ap.parse_args(argv)
    builder = SparkSession.builder.appName("onnx-inspector explain")
    if a.master:
        builder = builder.master(a.master)
    spark = builder.getOrCreate()
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    data = os.path.abspath(a.data)
    base = [os.path.abspath(a.bin) if os.path.exists(a.bin) else a.bin, "explain",
            os.path.abspath(a.model), "--data", data, "--no-charts", *extra]
    n = a.shards

    def task(k):
        k, code, err = run_shard(k, n, base, out)
        if code != 0:  # fail the task, so that Spark retries it (and the retry resumes)
            raise RuntimeError(f"shard {k}/{n} failed: {err.strip()}")
        return k

    done = spark.sparkContext.parallelize(range(n), n).map(task).collect()
    assert sorted(done) == list(range(n)), done
    shards = [os.path.join(out, f"shard-{k}") for k in range(n)]
    merged = os.path.join(out, "all")
    subprocess.run([base[0], "merge", *shards, "--out", merged], check=True)
    spark.stop()
    print(f"explained {n} shards; merged into {merged}")


if __name__ == "__main__":
    main()
