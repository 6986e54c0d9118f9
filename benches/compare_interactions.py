#!/usr/bin/env python3
"""Shapley interaction values side by side: shapiq 1.4's approximators vs `onnx-inspector explain
--interactions`, at equal budget, against the exact matrices.

The game is the same for both: interventional, v(S) = mean over the background rows of the ONNX
model's output with the features in S taken from the explained row (shapiq calls the model
through onnxruntime, one thread; one shapiq run per output, as its games are scalar). The
reference is `onnx-inspector explain --method exact --interactions` (all 2^M coalitions, checked
against a literal enumeration in tests/interactions.rs), or for large M (`--reference-budget`)
our sampled estimate at a large budget with another seed. Error: rel-L2 of the pairwise SII
(off-diagonal entries, SII = 2 Φ_ij in shap's convention) over all rows, pairs and outputs.
Time: seconds per row (all outputs). Ours: the explain time recorded in explanations.json with
`--threads 1`; it includes φ by permutation SHAP with the same budget again, which shapiq does
not compute at order 2 (its order-1 SII values are estimated from the same budget).

Usage (repo root, after `cargo build --release`; venv from benches/requirements-interactions.txt):
    target/iq-venv/bin/python benches/compare_interactions.py --model models/wine_keras3.onnx \
        --data models/wine_test.csv --train models/wine_train.csv --rows 5 --budget 2000
Results: benches/results/compare_interactions_<model>_<budget>.{json,md}.
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pandas as pd  # noqa: E402
from shapiq.approximator import SVARMIQ, KernelSHAPIQ, PermutationSamplingSII  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "onnx-inspector"


def ours(args, bg_csv: Path, method: str, budget: int | None, seed: int) -> tuple[np.ndarray, float]:
    """SII [n, M, M, K] and seconds per row from the CLI."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [str(BIN), "explain", args.model, "--data", args.data, "--background", str(bg_csv),
               "--rows", f"0:{args.rows}", "--method", method, "--interactions", "--threads", "1",
               "--quiet", "--no-charts", "--seed", str(seed), "--out", out]
        if budget is not None:
            cmd += ["--samples", str(budget)]
        subprocess.run(cmd, check=True)
        d = json.loads((Path(out) / "explanations.json").read_text())
    sii = 2.0 * np.array(d["interactions"])
    return sii, d["meta"]["timings"]["explain_seconds"] / args.rows


def off_diagonal_rel_l2(est: np.ndarray, ref: np.ndarray) -> float:
    m = ref.shape[1]
    mask = ~np.eye(m, dtype=bool)
    e, r = est[:, mask, :], ref[:, mask, :]
    return float(np.sqrt(((e - r) ** 2).sum() / (r**2).sum()))


def summary(errs: list[float], times: list[float]) -> dict:
    """Median rel-L2 and s/row over the repeats, with every repeat's error."""
    return {"rel_l2": float(np.median(errs)), "seconds_per_row": float(np.median(times)),
            "rel_l2_per_seed": errs}


def shapiq_run(args, make, rep, exact, x, bg, sess, inp, m, k) -> tuple[float, float]:
    """One shapiq approximator over all rows and outputs with seed args.seed + rep."""
    est = np.zeros_like(exact)
    start = time.perf_counter()
    for r in range(args.rows):
        for o in range(k):
            def game(coalitions: np.ndarray, r=r, o=o) -> np.ndarray:
                c = np.atleast_2d(coalitions).astype(bool)
                rows = np.where(c[:, None, :], x[r][None, None, :], bg[None, :, :])
                out = sess.run(None, {inp: rows.reshape(-1, m).astype(np.float32)})[0]
                return out[:, o].reshape(len(c), len(bg)).mean(axis=1).astype(float)

            iv = make(args.seed + rep).approximate(args.budget, game)
            pairs = iv.get_n_order_values(2)
            est[r, :, :, o] = pairs + pairs.T if np.allclose(np.tril(pairs, -1), 0) else pairs
    return off_diagonal_rel_l2(est, exact), (time.perf_counter() - start) / args.rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--rows", type=int, default=5)
    ap.add_argument("--background", type=int, default=50)
    ap.add_argument("--budget", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reference-budget", type=int, default=None,
                    help="reference = ours sampled at this budget (another seed) instead of exact")
    ap.add_argument("--repeats", type=int, default=1,
                    help="seeds per estimator (seed, seed+1, ...); medians reported")
    ap.add_argument("--skip", action="append", default=[],
                    help="a shapiq approximator to leave out (e.g. SVARMIQ, 78 s/row at M = 30)")
    args = ap.parse_args()

    x = pd.read_csv(args.data).to_numpy(np.float32)[: args.rows]
    train = pd.read_csv(args.train)
    bg = train.to_numpy(np.float32)[: args.background]
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0].name
    m = x.shape[1]

    with tempfile.TemporaryDirectory() as tmp:
        bg_csv = Path(tmp) / "bg.csv"
        train.iloc[: args.background].to_csv(bg_csv, index=False)
        if args.reference_budget is None:
            exact, exact_s = ours(args, bg_csv, "exact", None, 0)
        else:
            exact, exact_s = ours(args, bg_csv, "permutation", args.reference_budget, args.seed + 1000)
        runs = [ours(args, bg_csv, "permutation", args.budget, args.seed + s)
                for s in range(args.repeats)]
    k = exact.shape[3]
    results = {"ours (`--interactions`, the estimator `auto` picks for this M and budget)": summary(
        [off_diagonal_rel_l2(mine, exact) for mine, _ in runs], [t for _, t in runs])}

    approximators = {
        "KernelSHAPIQ": lambda seed: KernelSHAPIQ(m, max_order=2, index="SII", random_state=seed),
        "SVARMIQ": lambda seed: SVARMIQ(m, max_order=2, index="SII", random_state=seed),
        "PermutationSamplingSII": lambda seed: PermutationSamplingSII(
            m, max_order=2, index="SII", random_state=seed),
    }
    for name, make in approximators.items():
        if name in args.skip:
            continue
        errs, times = [], []
        for rep in range(args.repeats):
            err, secs = shapiq_run(args, make, rep, exact, x, bg, sess, inp, m, k)
            errs.append(err)
            times.append(secs)
        results[name] = summary(errs, times)


    stem = Path(args.model).stem
    out = ROOT / "benches" / "results" / f"compare_interactions_{stem}_{args.budget}"
    meta = {"model": args.model, "features": m, "outputs": k, "rows": args.rows,
            "background": args.background, "budget_per_row_and_output": args.budget,
            "exact_seconds_per_row_ours": exact_s, "threads": 1, "repeats": args.repeats,
            "results": results}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    lines = [f"# Interaction values, {stem} (M = {m}, K = {k}), {args.rows} rows, "
             f"{args.background} background rows, budget {args.budget}, one thread, "
             f"medians of {args.repeats} seed(s)",
             "", "| estimator | rel-L2 of pairwise SII to the reference | seconds per row |", "|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['rel_l2']:.3f} | {r['seconds_per_row']:.3f} |")
    reference = (f"exact (ours, 2^{m} coalitions)" if args.reference_budget is None
                 else f"ours sampled at {args.reference_budget} coalitions, another seed")
    meta["reference"] = reference
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    lines += ["", f"Reference: {reference}, {exact_s:.3f} s per row."]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
