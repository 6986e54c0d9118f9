"""Bytes per row and write time of each storage option (`--outputs`, `--stderr`, `--precision`,
`--compression`, `--float-encoding`) on the reference net, and for the predicted-only options
the largest |φ_stored − φ| / standard error against the f64 run of the same rows.

zstd is behind the cargo feature `zstd` (see Cargo.toml); without it the zstd rows are pyarrow
re-encoding our uncompressed parts (same records and types, pyarrow's pages), marked "pyarrow".

One job: N rows (the 1,797 real digit rows of models/digits10_{test,train}.csv, cycled) through
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
import shutil
import subprocess
from pathlib import Path

BIN = Path("target/release/onnx-inspector")
MODEL = "models/ref_dense100.onnx"
JOB = ["--method", "permutation", "--samples", "500", "--threads", "2", "--no-charts",
       "--no-report", "--quiet", "--json-rows", "0"]
PLAIN = ["--float-encoding", "plain"]
OPTIONS = {
    "all, f64, stderr, none (before)": ["--compression", "none", *PLAIN],
    "all, f64, stderr, snappy": ["--compression", "snappy", *PLAIN],
    "all, f64, stderr, snappy + bss": [],
    "all, f32, no stderr, snappy": ["--precision", "f32", "--stderr", "drop", *PLAIN],
    "predicted, f64, stderr, none": ["--outputs", "predicted", "--compression", "none", *PLAIN],
    "predicted, f32, stderr, snappy": ["--outputs", "predicted", "--precision", "f32", *PLAIN],
    "predicted, f32, no stderr, none": ["--outputs", "predicted", "--precision", "f32",
                                        "--stderr", "drop", "--compression", "none", *PLAIN],
    "predicted, f32, no stderr, snappy": ["--outputs", "predicted", "--precision", "f32",
                                          "--stderr", "drop", *PLAIN],
    "predicted, f32, no stderr, snappy + bss": ["--outputs", "predicted", "--precision", "f32",
                                                "--stderr", "drop"],
    "top:3, f32, stderr, snappy": ["--outputs", "top:3", "--precision", "f32", *PLAIN],
    "predicted, f32, no stderr, gzip + bss": ["--outputs", "predicted", "--precision", "f32",
                                              "--stderr", "drop", "--compression", "gzip"],
    "predicted, se:0.1, no stderr, snappy + bss": ["--outputs", "predicted", "--stderr", "drop",
                                                   "--compression", "snappy"],
    "predicted, se:0.1, no stderr, gzip:1 + bss": ["--outputs", "predicted", "--stderr", "drop",
                                                   "--compression", "gzip:1"],
    "predicted, se:0.1, no stderr, gzip + bss (default)": ["--outputs", "predicted",
                                                           "--stderr", "drop"],
    "predicted, se:0.1, stderr, gzip + bss (default)": ["--outputs", "predicted"],
    "predicted, se:0.25, no stderr, gzip + bss": ["--outputs", "predicted", "--stderr", "drop",
                                                  "--precision", "se:0.25"],
    "predicted, se:0.5, no stderr, gzip + bss": ["--outputs", "predicted", "--stderr", "drop",
                                                 "--precision", "se:0.5"],
    "top:3, se:0.1, stderr, gzip + bss (default)": ["--outputs", "top:3"],
}
# The unrounded φ and standard errors the predicted-only options are compared with.
REFERENCE = "predicted, f64, stderr, none"


def make_data(path: Path, rows: int) -> None:
    """Digit rows (test then train) cycled to `rows`, as CSV (each row explained with its own
    seed, so a repeated row's φ differ by their sampling noise)."""
    src = []
    for name in ("models/digits10_test.csv", "models/digits10_train.csv"):
        with open(name) as f:
            r = csv.reader(f)
            header = next(r)
            src += list(r)
    with path.open("w") as f:
        f.write(",".join(header) + "\n")
        for i in range(rows):
            f.write(",".join(src[i % len(src)]) + "\n")


def parquet_bytes(out: Path) -> int:
    return sum(f.stat().st_size for f in (out / "attributions").glob("*.parquet"))


def read_back(out: Path):
    """The parts as a pyarrow table, or None without pyarrow."""
    try:
        import pyarrow.dataset as ds
    except ImportError:
        return None
    return ds.dataset(out / "attributions", format="parquet").to_table()


def phi_columns(table):
    return [c for c in table.column_names if c not in ("row", "output", "base_value", "prediction")
            and not c.endswith("__stderr")]


def max_error_in_se(table, ref):
    """max |φ_stored − φ| / se over the φ with se > 0, against `ref` (same rows, f64 + stderr),
    or None when the records differ (other outputs)."""
    if table is None or ref is None or table.num_rows != ref.num_rows or \
            table.column("output").to_pylist() != ref.column("output").to_pylist():
        return None
    worst = 0.0
    for c in phi_columns(ref):
        for v, x, se in zip(table.column(c).to_pylist(), ref.column(c).to_pylist(),
                            ref.column(c + "__stderr").to_pylist()):
            if se > 0:
                worst = max(worst, abs(v - x) / se)
    return round(worst, 4)


def pyarrow_rows(src: Path, rows: int) -> dict:
    """Bytes/row and write seconds of pyarrow writing `src`'s parts with zstd (levels 1, 3, 9),
    with and without BYTE_STREAM_SPLIT for the float columns."""
    try:
        import pyarrow.dataset as ds
        import pyarrow.parquet as pq
    except ImportError:
        return {}
    import time
    table = ds.dataset(src / "attributions", format="parquet").to_table()
    floats = [f.name for f in table.schema if str(f.type) in ("double", "float")]
    res = {}
    for level in (1, 3, 9):
        for bss in (False, True):
            path = src / f"pyarrow-zstd{level}{'-bss' if bss else ''}.parquet"
            t = time.perf_counter()
            pq.write_table(table, path, compression="zstd", compression_level=level,
                           use_dictionary=["output"], row_group_size=1024 * 10,
                           use_byte_stream_split=floats if bss else False)
            res[f"pyarrow zstd:{level}{' + bss' if bss else ''}"] = {
                "bytes_per_row": round(path.stat().st_size / rows, 1),
                "write_seconds": round(time.perf_counter() - t, 3)}
    return res


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
    print("| option | bytes/row | write s | explain s | total s | pyarrow records | "
          "max abs(φ − φ_f64)/se |")
    print("|---|---|---|---|---|---|---|")
    ref = None
    for name, extra in OPTIONS.items():
        out = work / "out"
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([BIN, "explain", MODEL, "--data", data, "--out", out, *JOB, *extra],
                       check=True)
        t = json.loads((out / "explanations.json").read_text())["meta"]["timings"]
        table = read_back(out)
        if name == REFERENCE:
            ref = table
        r = {"flags": " ".join(extra), "bytes_per_row": round(parquet_bytes(out) / a.rows, 1),
             "write_seconds": round(t["write_seconds"], 3),
             "explain_seconds": round(t["explain_seconds"], 2),
             "total_seconds": round(t["total_seconds"], 2),
             "pyarrow_records": None if table is None else table.num_rows,
             "max_error_in_se": max_error_in_se(table, ref)}
        res["options"][name] = r
        print(f"| {name} | {r['bytes_per_row']} | {r['write_seconds']} | "
              f"{r['explain_seconds']} | {r['total_seconds']} | {r['pyarrow_records']} | "
              f"{r['max_error_in_se']} |", flush=True)
    print("\npyarrow re-encoding the uncompressed parts of some options (size only; one file):")
    for name in ("all, f64, stderr, none (before)", "predicted, f64, stderr, none",
                 "predicted, f32, no stderr, none"):
        out = work / "out"
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([BIN, "explain", MODEL, "--data", data, "--out", out, *JOB,
                        *OPTIONS[name]], check=True)
        for k, r in pyarrow_rows(out, a.rows).items():
            res["options"][f"{name} -> {k}"] = r
            print(f"| {name} -> {k} | {r['bytes_per_row']} | {r['write_seconds']} (pyarrow) |",
                  flush=True)
    Path("benches/results").mkdir(parents=True, exist_ok=True)
    Path("benches/results/storage.json").write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
