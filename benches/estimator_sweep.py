#!/usr/bin/env python3
"""Error against time of our kernel and permutation SHAP at several budgets (issue 12, part 3).

For each model, rows 0..N-1 of its test CSV are explained against one fixed background (50
training rows, every k-th), by the CLI at each budget, one thread, with the incremental
first-layer path on (the default) and, at each method's default budget, off too. The error is
rel-L2 = ||phi - ref||_F / ||ref||_F against `--method permutation --samples 400000` with another
seed. Time per row is the explain phase (meta.timings.explain_seconds / N, wall clock) and the
process CPU time / N (robust to other processes' load, includes model loading).

Standard library only (no third-party packages, so no requirements file). Usage from the repo root:
    python3 benches/estimator_sweep.py --bin target/release/onnx-inspector --rows 20
Results: benches/results/estimator_sweep.json and .md.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODELS = {
    "ref_dense100": ("digits10_test.csv", "digits10_train.csv"),
    "breast_cancer": ("breast_cancer_test.csv", "breast_cancer_train.csv"),
}


def background(train: Path, n: int, out: Path) -> None:
    """Every k-th training row, n rows in all, written as a CSV with the header."""
    with open(train, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    step = max(1, len(body) // n)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(body[::step][:n])


def run(args, model, data, bg, method, samples, seed, incremental=True, threads=1):
    """Runs the CLI; returns (values, explain s/row, cpu s/row, meta)."""
    out = Path(tempfile.mkdtemp(prefix="sweep_"))
    cmd = [args.bin, "explain", str(REPO / "models" / f"{model}.onnx"), "--data", str(data),
           "--background", str(bg), "--rows", f"0:{args.rows}", "--method", method,
           "--seed", str(seed), "--threads", str(threads), "--no-charts", "--quiet", "--out", str(out)]
    if samples is not None:
        cmd += ["--samples", str(samples)]
    if not incremental:
        cmd.append("--no-incremental")
    p = subprocess.Popen(cmd, cwd=REPO)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    d = json.loads((out / "explanations.json").read_text())
    n = len(d["values"])
    flat = [v for r in d["values"] for f in r for v in f]
    return flat, d["meta"]["timings"]["explain_seconds"] / n, (ru.ru_utime + ru.ru_stime) / n, d["meta"]


def rel_l2(a, b):
    num = sum((x - y) ** 2 for x, y in zip(a, b))
    den = sum(y * y for y in b)
    return math.sqrt(num / den)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(REPO / "target/release/onnx-inspector"))
    ap.add_argument("--rows", type=int, default=20)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--background-size", type=int, default=50)
    ap.add_argument("--ref-samples", type=int, default=400000)
    ap.add_argument("--budgets", default="500,1000,2000,4000,8000",
                    help="budgets per method, besides each method's default")
    ap.add_argument("--repeats", type=int, default=1, help="timing repeats (fastest kept)")
    ap.add_argument("--out-json", default=str(REPO / "benches/results/estimator_sweep.json"))
    ap.add_argument("--out-md", default=str(REPO / "benches/results/estimator_sweep.md"))
    args = ap.parse_args()
    results = []
    tmp = Path(tempfile.mkdtemp(prefix="sweep_bg_"))
    for model in args.models.split(","):
        test_csv, train_csv = MODELS[model]
        data = REPO / "models" / test_csv
        bg = tmp / f"{model}_bg.csv"
        background(REPO / "models" / train_csv, args.background_size, bg)
        ref, ref_s, _, meta = run(args, model, data, bg, "permutation", args.ref_samples, 12345)
        print(f"{model}: reference {ref_s:.3f} s/row ({meta['evaluator']})", flush=True)
        budgets = [int(b) for b in args.budgets.split(",") if b.strip()]
        for method in ["kernel", "permutation"]:
            for budget in [None] + budgets:
                for incremental in [True, False] if budget is None else [True]:
                    best = None
                    for _ in range(args.repeats):
                        vals, s_row, cpu_row, meta = run(args, model, data, bg, method, budget, 0, incremental)
                        if best is None or s_row < best[1]:
                            best = (vals, s_row, cpu_row, meta)
                    vals, s_row, cpu_row, meta = best
                    row = {
                        "model": model, "method": method,
                        "budget": meta["budget"], "default_budget": budget is None,
                        "evaluator": meta["evaluator"], "rel_l2": rel_l2(vals, ref),
                        "explain_s_per_row": s_row, "cpu_s_per_row": cpu_row,
                        "evaluations_per_row": sum(meta["evaluations_per_row"]) / len(meta["evaluations_per_row"]),
                    }
                    results.append(row)
                    print(json.dumps(row), flush=True)
    Path(args.out_json).write_text(json.dumps({"rows": args.rows, "ref_samples": args.ref_samples,
                                               "background_size": args.background_size,
                                               "results": results}, indent=1) + "\n")
    lines = ["| model | method | budget | evaluator | rel-L2 | explain ms/row | CPU ms/row | rel-L2 x ms |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        b = f"{r['budget']}{' (default)' if r['default_budget'] else ''}"
        lines.append(f"| {r['model']} | {r['method']} | {b} | {r['evaluator']} | {r['rel_l2']:.4f} | "
                     f"{1e3 * r['explain_s_per_row']:.2f} | {1e3 * r['cpu_s_per_row']:.2f} | "
                     f"{r['rel_l2'] * 1e3 * r['explain_s_per_row']:.3f} |")
    Path(args.out_md).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
