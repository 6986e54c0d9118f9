#!/usr/bin/env python3
"""onnxruntime throughput (rows/s) on models/ref_dense100.onnx (or --model), single-threaded.

Batch sizes 256, 1024, 2048, 8192 (option --batches); for each, --repeats timed repeats
(median reported), each repeat running the batch enough times to last >= --min-time s.
Input rows are test rows (models/digits10_test.csv, or --data: .csv or .npy of flat rows) tiled
to the batch size, float32, reshaped to the model's input shape (e.g. NHWC images).

Usage (from the repo root):
    python benches/ort_throughput.py
Writes benches/results/ort_throughput.json.
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "models" / "ref_dense100.onnx"
TEST_CSV = REPO / "models" / "digits10_test.csv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(MODEL))
    ap.add_argument("--data", default=str(TEST_CSV), help=".csv with a header, or .npy of flat rows")
    ap.add_argument("--batches", default="256,1024,2048,8192")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.25, help="seconds per repeat (at least)")
    ap.add_argument("--out-json", default=str(REPO / "benches" / "results" / "ort_throughput.json"))
    args = ap.parse_args()

    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = args.threads
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(str(args.model), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    row_shape = [int(d) for d in sess.get_inputs()[0].shape[1:]]
    if str(args.data).endswith(".npy"):
        test = np.load(args.data).astype(np.float32)
    else:
        test = pd.read_csv(args.data).to_numpy(np.float32)

    load_start = os.getloadavg()
    rows = []
    for b in [int(x) for x in args.batches.split(",")]:
        X = np.ascontiguousarray(np.resize(test, (b, test.shape[1])), dtype=np.float32)
        X = X.reshape([b, *row_shape])
        for _ in range(3):  # warm-up
            sess.run(None, {name: X})
        t0 = time.perf_counter()
        sess.run(None, {name: X})
        iters = max(1, int(np.ceil(args.min_time / max(time.perf_counter() - t0, 1e-6))))
        rates = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for _ in range(iters):
                sess.run(None, {name: X})
            rates.append(b * iters / (time.perf_counter() - t0))
        rows.append({"batch": b, "iters_per_repeat": iters, "repeats": args.repeats,
                     "rows_per_second_median": statistics.median(rates),
                     "rows_per_second_min": min(rates), "rows_per_second_max": max(rates),
                     "seconds_per_call_median": b / statistics.median(rates)})

    lines = [f"onnxruntime {ort.__version__}, {args.threads} thread(s), {args.model}, "
             f"median of {args.repeats} repeats", "",
             "| batch | rows/s (median) | min | max | ms/call |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['batch']} | {r['rows_per_second_median']:,.0f} | {r['rows_per_second_min']:,.0f} | "
                     f"{r['rows_per_second_max']:,.0f} | {1e3 * r['seconds_per_call_median']:.3f} |")
    lines.append(f"\nLoad average at start {load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f} "
                 f"({os.cpu_count()} cores).")
    print("\n".join(lines))
    out = {"model": str(args.model), "threads": args.threads,
           "versions": {"onnxruntime": ort.__version__, "numpy": np.__version__,
                        "python": platform.python_version()},
           "platform": platform.platform(), "results": rows,
           "load_average": {"start": load_start, "end": os.getloadavg()}}
    Path(args.out_json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out_json).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
