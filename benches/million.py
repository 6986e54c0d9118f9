"""A million reference-net rows on two threads (issue 23): wall time, rows/s, peak RSS and bytes
per row of `explain --samples 500`, for the output options a user can keep.

The data is generated here (not committed): real test digits (models/digits10_test.csv, 100
features) drawn with replacement, each inked pixel moved by N(0, 0.02) and clipped to [0, 1]
(blank pixels stay 0, as in real digits). Standard
library only; run from the repository root after `cargo build --release`:

    python3 benches/million.py [--rows 1000000] [--mid 100000] [--small 10000] [--work target/bench-million]

--small runs every output option (--outputs all|predicted|top:3, --stderr keep|drop,
--precision f64|f32|se:F; auto = se:0.1 for predicted/top:K) on the same rows and reports bytes
per row of the Parquet parts; --mid and
--rows run the headline job (`--outputs predicted`, the defaults otherwise) on two threads.
Writes benches/results/million.json and prints a Markdown table.
"""

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

BIN = Path("target/release/onnx-inspector")
MODEL = "models/ref_dense100.onnx"
JOB = ["--method", "permutation", "--samples", "500", "--no-charts", "--no-report"]
OPTIONS = [
    ["--outputs", "all"],
    ["--outputs", "all", "--stderr", "drop"],
    ["--outputs", "all", "--precision", "f32", "--stderr", "drop"],
    ["--outputs", "top:3"],
    ["--outputs", "predicted", "--precision", "f64", "--compression", "snappy"],
    ["--outputs", "predicted", "--precision", "f32"],
    ["--outputs", "predicted", "--precision", "f32", "--stderr", "drop"],
    # --precision auto: se:0.1 (φ rounded under 0.05 standard errors), gzip.
    ["--outputs", "predicted"],
    ["--outputs", "predicted", "--stderr", "drop"],
    ["--outputs", "predicted", "--stderr", "drop", "--precision", "se:0.5"],
]


def make_data(path: Path, rows: int, seed: int = 0) -> None:
    """`rows` noisy copies of real digit rows as CSV with the models' header."""
    with open("models/digits10_test.csv") as f:
        r = list(csv.reader(f))
    header, base = r[0], [[float(v) for v in row] for row in r[1:]]
    rng = random.Random(seed)
    with path.open("w") as f:
        f.write(",".join(header) + "\n")
        for _ in range(rows):
            x = rng.choice(base)
            f.write(",".join(f"{min(1.0, max(0.0, v + rng.gauss(0.0, 0.02))):.4f}" if v > 0 else "0" for v in x) + "\n")


def run(args: list, log: Path) -> dict:
    """Runs a command; wall seconds, CPU seconds and peak RSS (MB) of that process alone."""
    start = time.perf_counter()
    with log.open("w") as out:
        p = subprocess.Popen([str(a) for a in args], stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed ({status}): {' '.join(map(str, args))}; see {log}")
    return {"seconds": round(wall, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def parquet_bytes(out: Path) -> int:
    return sum(f.stat().st_size for f in (out / "attributions").glob("*.parquet"))


def explain(data: Path, out: Path, threads: int, extra=()) -> list:
    return [BIN, "explain", MODEL, "--data", data, "--threads", str(threads), "--out", out,
            "--quiet", *JOB, *extra]


def timings(out: Path) -> dict:
    t = json.load(open(out / "explanations.json"))["meta"]["timings"]
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in t.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--mid", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--work", default="target/bench-million")
    a = ap.parse_args()
    work = Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    res = {"model": MODEL, "job": " ".join(JOB), "cpus": os.cpu_count(), "options": [], "runs": []}
    small = work / "small.csv"
    make_data(small, a.small)
    for opt in OPTIONS:
        out = work / ("small" + "".join(opt).replace("-", "_").replace(":", ""))
        r = run(explain(small, out, 2, opt), out.with_suffix(".log"))
        size = parquet_bytes(out)
        r.update(flags=" ".join(opt), rows=a.small, rows_per_second=round(a.small / r["seconds"], 1),
                 parquet_bytes=size, bytes_per_row=round(size / a.small, 1))
        res["options"].append(r)
        print(f"| {r['flags']} | {r['bytes_per_row']} B/row | {r['rows_per_second']} rows/s |", flush=True)
        shutil.rmtree(out)
    for rows in (a.mid, a.rows):
        data = work / f"rows{rows}.csv"
        make_data(data, rows)
        out = work / f"out{rows}"
        r = run(explain(data, out, 2, ["--outputs", "predicted"]), work / f"out{rows}.log")
        size = parquet_bytes(out)
        r.update(rows=rows, rows_per_second=round(rows / r["seconds"], 1), parquet_bytes=size,
                 bytes_per_row=round(size / rows, 1), input_csv_mb=round(data.stat().st_size / 1e6, 1),
                 timings=timings(out))
        res["runs"].append(r)
        print(f"| {rows} rows, 2 threads, --outputs predicted | {r['seconds']} s | {r['rows_per_second']} rows/s "
              f"| {r['peak_rss_mb']} MB peak | {r['bytes_per_row']} B/row |", flush=True)
        shutil.rmtree(out)
        data.unlink()
    Path("benches/results").mkdir(parents=True, exist_ok=True)
    with open("benches/results/million.json", "w") as f:
        json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
