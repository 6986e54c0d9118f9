"""Whole-dataset benchmark of `explain`: a synthetic 200k-row dataset through a bundled model.

Measures rows/s on 1 and 2 threads, peak RSS at 20k and 200k rows (the same job; streaming keeps
them within 50 MB of each other), the output's size, and the time to merge shards.
Standard library only; run from the repository root after `cargo build --release`:

    python3 benches/batch.py [--rows 200000] [--small 20000] [--work target/bench-batch]

Writes benches/results/batch.json and prints a Markdown table. Timings are noisy on a shared
machine: compare ratios measured in the same run.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

BIN = Path("target/release/onnx-inspector")
MODEL = "models/diabetes.onnx"
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
# Permutation SHAP with shap's default-sized background; 200k rows take minutes on 2 cores.
JOB = ["--method", "permutation", "--samples", "200", "--background-size", "50", "--no-charts"]


def make_data(path: Path, rows: int, seed: int = 0) -> None:
    """Rows drawn like the (scaled) diabetes features: N(0, 0.05) each, written as CSV."""
    rng = random.Random(seed)
    with path.open("w") as f:
        f.write(",".join(FEATURES) + "\n")
        for _ in range(rows):
            f.write(",".join(f"{rng.gauss(0.0, 0.05):.6f}" for _ in FEATURES) + "\n")


def run(args: list, log: Path) -> dict:
    """Runs a command; returns wall seconds and peak RSS (MB) of that process alone."""
    start = time.perf_counter()
    with log.open("w") as out:
        p = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed ({status}): {' '.join(map(str, args))}; see {log}")
    return {"seconds": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def size_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 1)


def explain(data: Path, out: Path, threads: int, extra=()) -> list:
    return [BIN, "explain", MODEL, "--data", data, "--threads", str(threads), "--out", out,
            "--quiet", *JOB, *extra]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--small", type=int, default=20_000)
    ap.add_argument("--work", default="target/bench-batch")
    a = ap.parse_args()
    work = Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    big, small = work / "big.csv", work / "small.csv"
    make_data(big, a.rows)
    make_data(small, a.small)
    res = {"model": MODEL, "job": " ".join(JOB), "rows": a.rows, "small_rows": a.small,
           "cpus": os.cpu_count()}
    for threads in (1, 2):
        r = run(explain(small, work / f"small_t{threads}", threads), work / f"small_t{threads}.log")
        r["rows_per_second"] = round(a.small / r["seconds"], 1)
        res[f"small_{threads}_threads"] = r
    r = run(explain(big, work / "big", 2), work / "big.log")
    r["rows_per_second"] = round(a.rows / r["seconds"], 1)
    r["output_mb"] = size_mb(work / "big")
    r["parquet_mb"] = size_mb(work / "big" / "attributions")
    r["input_csv_mb"] = round(big.stat().st_size / 1e6, 1)
    res["big_2_threads"] = res_big = r
    # Merge: the same job in 2 shards (run one after the other), then `merge`.
    shards = []
    for k in range(2):
        out = work / f"shard{k}"
        run(explain(big, out, 2, ["--shard", f"{k}/2"]), work / f"shard{k}.log")
        shards.append(out)
    m = run([BIN, "merge", *shards, "--out", work / "merged", "--quiet"], work / "merge.log")
    res["merge"] = m
    same = all(
        (work / "merged" / "attributions" / f.name).read_bytes() == f.read_bytes()
        for f in (work / "big" / "attributions").iterdir()
    )
    res["merged_parts_equal_single_run"] = same
    res["rss_difference_mb"] = round(
        res_big["peak_rss_mb"] - res["small_2_threads"]["peak_rss_mb"], 1)
    Path("benches/results").mkdir(parents=True, exist_ok=True)
    Path("benches/results/batch.json").write_text(json.dumps(res, indent=2) + "\n")
    s1, s2 = res["small_1_threads"], res["small_2_threads"]
    print(f"| measure | value |\n|---|---|")
    print(f"| rows/s, 1 thread ({a.small} rows) | {s1['rows_per_second']} |")
    print(f"| rows/s, 2 threads ({a.small} rows) | {s2['rows_per_second']} |")
    print(f"| rows/s, 2 threads ({a.rows} rows) | {res_big['rows_per_second']} |")
    print(f"| peak RSS, {a.small} rows | {s2['peak_rss_mb']} MB |")
    print(f"| peak RSS, {a.rows} rows | {res_big['peak_rss_mb']} MB |")
    print(f"| output folder, {a.rows} rows | {res_big['output_mb']} MB "
          f"(Parquet {res_big['parquet_mb']} MB; input CSV {res_big['input_csv_mb']} MB) |")
    print(f"| merge of 2 shards | {m['seconds']} s |")
    print(f"| merged parts byte-equal to the single run | {same} |")


if __name__ == "__main__":
    main()
