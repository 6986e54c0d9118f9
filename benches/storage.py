"""Bytes per row and write time of each storage option (`--outputs`, `--stderr`, `--precision`,
`--compression`, `--byte-stream-split`) on the reference net.

One job: N rows (digit rows cycled, each pixel jittered by U(-0.25, 0.25), seeded) through
models/ref_dense100.onnx at `--samples 500` on 2 threads, explained once per option; the
estimator's work is the same for every option, so the options differ in the Parquet bytes
(`attributions/`) and the writer thread's seconds (`meta.timings.write_seconds`).
Standard library only (plus pyarrow when installed: every folder is read back with it).
Run from the repository root after `cargo build --release`:

    python3 benches/storage.py [--rows 10000] [--work target/bench-storage]

Writes benches/results/storage.json and prints a Markdown table.
"""

import argparse
import csv
import json
import random
import shutil
import subprocess
from pathlib import Path

BIN = Path("target/release/onnx-inspector")
MODEL = "models/ref_dense100.onnx"
JOB = ["--method", "permutation", "--samples", "500", "--threads", "2", "--no-charts",
       "--no-report", "--quiet", "--json-rows", "0"]
OPTIONS = {
    "all, f64, stderr, none (before)": ["--compression", "none"],
    "all, f64, stderr, snappy": ["--compression", "snappy"],
    "all, f64, stderr, zstd:1": ["--compression", "zstd:1"],
    "all, f64, stderr, zstd:3": ["--compression", "zstd:3"],
    "all, f64, stderr, zstd:9": ["--compression", "zstd:9"],
    "all, f64, stderr, zstd:3 + bss": ["--compression", "zstd:3", "--byte-stream-split"],
    "all, f32, stderr, zstd:3 + bss": ["--compression", "zstd:3", "--byte-stream-split",
                                       "--precision", "f32"],
    "all, f32, no stderr, zstd:3 + bss": ["--compression", "zstd:3", "--byte-stream-split",
                                          "--precision", "f32", "--stderr", "drop"],
    "predicted, f64, stderr, none": ["--outputs", "predicted", "--compression", "none"],
    "predicted, f64, stderr, snappy": ["--outputs", "predicted", "--compression", "snappy"],
    "predicted, f64, stderr, zstd:3 + bss": ["--outputs", "predicted", "--compression", "zstd:3",
                                             "--byte-stream-split"],
    "predicted, f32, stderr, zstd:3 + bss": ["--outputs", "predicted", "--compression",
                                             "zstd:3", "--byte-stream-split", "--precision",
                                             "f32"],
    "predicted, f32, no stderr, snappy": ["--outputs", "predicted", "--precision", "f32",
                                          "--stderr", "drop", "--compression", "snappy"],
    "predicted, f32, no stderr, zstd:3 + bss": ["--outputs", "predicted", "--compression",
                                                "zstd:3", "--byte-stream-split", "--precision",
                                                "f32", "--stderr", "drop"],
    "top:3, f32, stderr, zstd:3 + bss": ["--outputs", "top:3", "--compression", "zstd:3",
                                         "--byte-stream-split", "--precision", "f32"],
}


def make_data(path: Path, rows: int, seed: int = 0) -> None:
    """Digit rows (test then train) cycled to `rows`, each pixel jittered, as CSV."""
    rng = random.Random(seed)
    src = []
    for name in ("models/digits10_test.csv", "models/digits10_train.csv"):
        with open(name) as f:
            r = csv.reader(f)
            header = next(r)
            src += [[float(v) for v in row] for row in r]
    with path.open("w") as f:
        f.write(",".join(header) + "\n")
        for i in range(rows):
            row = src[i % len(src)]
            f.write(",".join(f"{v + rng.uniform(-0.25, 0.25):.4f}" for v in row) + "\n")


def parquet_bytes(out: Path) -> int:
    return sum(f.stat().st_size for f in (out / "attributions").glob("*.parquet"))


def read_back(out: Path):
    """Records read by pyarrow, or None without pyarrow."""
    try:
        import pyarrow.dataset as ds
    except ImportError:
        return None
    return ds.dataset(out / "attributions", format="parquet").to_table().num_rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--work", default="target/bench-storage")
    a = ap.parse_args()
    work = Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    data = work / "rows.csv"
    make_data(data, a.rows)
    res = {"model": MODEL, "job": " ".join(JOB), "rows": a.rows, "options": {}}
    print("| option | bytes/row | write s | explain s | total s | pyarrow records |")
    print("|---|---|---|---|---|---|")
    for name, extra in OPTIONS.items():
        out = work / "out"
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([BIN, "explain", MODEL, "--data", data, "--out", out, *JOB, *extra],
                       check=True)
        t = json.loads((out / "explanations.json").read_text())["meta"]["timings"]
        r = {"flags": " ".join(extra), "bytes_per_row": round(parquet_bytes(out) / a.rows, 1),
             "write_seconds": round(t["write_seconds"], 3),
             "explain_seconds": round(t["explain_seconds"], 2),
             "total_seconds": round(t["total_seconds"], 2), "pyarrow_records": read_back(out)}
        res["options"][name] = r
        print(f"| {name} | {r['bytes_per_row']} | {r['write_seconds']} | "
              f"{r['explain_seconds']} | {r['total_seconds']} | {r['pyarrow_records']} |",
              flush=True)
    Path("benches/results").mkdir(parents=True, exist_ok=True)
    Path("benches/results/storage.json").write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
