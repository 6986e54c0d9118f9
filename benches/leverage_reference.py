#!/usr/bin/env python3
"""Our kernel SHAP against the Leverage SHAP reference code at equal budget (issue 12, item 4).

For each zoo model, rows 0..N-1 of its test CSV are explained against one fixed background (50
training rows, every k-th, as benches/estimator_sweep.py) by
  * the CLI, `--method kernel` at its default budget B = 2M+2048 (or --budget), `--sampling`
    leverage and kernel, seed 0;
  * the reference estimator of Musco & Witter (rtealwitter/leverageshap, MIT, vendored verbatim in
    benches/leverageshap_ref/), with num_samples = B + 2 (its count includes the empty and full
    coalitions, which ours gets for free), on the same game v(S) = mean over the background of the
    ONNX model (onnxruntime) with features outside S replaced. Its code fixes random_state=42 for
    every row; --ref-seed-per-row (default on) gives row i the seed 42 + i so the rows' errors are
    independent, as ours are.
Truth: `--method exact` when M <= 16, else `--method permutation --samples 400000 --seed 12345`.
Error: rel-L2 = ||phi - truth||_F / ||truth||_F over all rows, features and outputs; with --repeats R,
the mean over R independent repeats ± its standard error.

Needs /work/venvs/bench (numpy, scipy, onnxruntime; benches/requirements.txt). Usage:
    python benches/leverage_reference.py --bin target/release/onnx-inspector --rows 20
Results: benches/results/leverage_reference.json and .md. --cache DIR keeps the truth and the
reference's estimates between runs (only ours is re-run).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benches"))
from leverageshap_ref import leverage_shap as ref_mod  # noqa: E402
from leverageshap_ref import sampling as ref_sampling  # noqa: E402

MODELS = {
    "breast_cancer": ("breast_cancer_test.csv", "breast_cancer_train.csv"),
    "ref_dense100": ("digits10_test.csv", "digits10_train.csv"),
    "wine_keras3": ("wine_test.csv", "wine_train.csv"),
    "diabetes": ("diabetes_test.csv", "diabetes_train.csv"),
}


def background(train: Path, n: int, out: Path) -> np.ndarray:
    """Every k-th training row, n rows in all, written verbatim as a CSV with the header."""
    lines = train.read_text().splitlines()
    header, body = lines[0], lines[1:]
    step = max(1, len(body) // n)
    chosen = body[::step][:n]
    out.write_text(header + "\n" + "\n".join(chosen) + "\n")
    return np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2)


def cli(args, model, data, bg, method, seed, samples=None, sampling=None):
    """Runs the CLI on rows 0..N-1; returns values [N, M, K]."""
    out = Path(tempfile.mkdtemp(prefix="levref_"))
    cmd = [args.bin, "explain", str(REPO / "models" / f"{model}.onnx"), "--data", str(data),
           "--background", str(bg), "--rows", f"0:{args.rows}", "--method", method,
           "--seed", str(seed), "--threads", str(args.threads), "--no-charts", "--quiet", "--out", str(out)]
    if samples is not None:
        cmd += ["--samples", str(samples)]
    if sampling is not None:
        cmd += ["--sampling", sampling]
    subprocess.run(cmd, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    d = json.loads((out / "explanations.json").read_text())
    return np.asarray(d["values"], dtype=np.float64), d["meta"]


class Game:
    """v(S) for one output of one row: the background mean of the model with S taken from x."""

    def __init__(self, values_of, x, bg, output):
        self.values_of, self.x, self.bg, self.output = values_of, x, bg, output

    def value(self, z):
        return self.values_of(self.x, self.bg, np.asarray(z, dtype=bool))[:, self.output]

    def edge_cases(self):
        m = len(self.x)
        z = np.array([np.zeros(m, bool), np.ones(m, bool)])
        v = self.value(z)
        return v[0], v[1]


def model_values(path: Path):
    """A cached v(Z) for every output: [n coalitions, K]."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    row_shape = [int(d) for d in sess.get_inputs()[0].shape[1:]]
    cache = {}

    def values_of(x, bg, z):
        key = (x.tobytes(), z.tobytes())
        if key not in cache:
            masked = np.where(z[:, None, :], x[None, None, :], bg[None, :, :])  # [n, B, M]
            flat = masked.reshape([-1, *row_shape]).astype(np.float32)
            out = sess.run(None, {name: flat})[0].reshape(len(z), len(bg), -1)
            cache.clear()
            cache[key] = out.mean(axis=1).astype(np.float64)
        return cache[key]

    return values_of


def reference(model_path, x_rows, bg, budget, seed_per_row=True, repeat=0):
    """The reference estimator on every row and output of the ONNX model at `model_path`: [N, M, K]."""
    values_of = model_values(model_path)
    k = values_of(x_rows[0], bg, np.ones((1, x_rows.shape[1]), bool)).shape[1]
    original = ref_sampling.CoalitionSampler
    out = []
    for i, x in enumerate(x_rows):
        if seed_per_row:
            def seeded(*a, _seed=42 + i + 1000 * repeat, **kw):
                kw["random_state"] = _seed
                return original(*a, **kw)
            ref_mod.CoalitionSampler = seeded
        phi = [ref_mod.LeverageSHAP(len(x), Game(values_of, x, bg, o), paired_sampling=True)
               .shap_values(budget + 2) for o in range(k)]
        out.append(np.stack(phi, axis=1))
    ref_mod.CoalitionSampler = original
    return np.asarray(out)


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(REPO / "target/release/onnx-inspector"))
    ap.add_argument("--rows", type=int, default=20)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--background-size", type=int, default=50)
    ap.add_argument("--budget", type=int, default=None, help="default: 2M+2048, the CLI's default")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1,
                    help="independent repeats: ours with --seed j, the reference with seeds 42 + row + 1000 j")
    ap.add_argument("--cache", default=None, help="directory keeping truth and reference arrays between runs")
    ap.add_argument("--ref-seed-per-row", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--out-json", default=str(REPO / "benches/results/leverage_reference.json"))
    ap.add_argument("--out-md", default=str(REPO / "benches/results/leverage_reference.md"))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="levref_bg_"))
    results = []
    for model in args.models.split(","):
        test_csv, train_csv = MODELS[model]
        data = REPO / "models" / test_csv
        bg_csv = tmp / f"{model}_bg.csv"
        bg = background(REPO / "models" / train_csv, args.background_size, bg_csv)
        x_rows = np.loadtxt(data, delimiter=",", skiprows=1, ndmin=2)[: args.rows]
        m = x_rows.shape[1]
        budget = args.budget or 2 * m + 2048
        truth_kind = "exact" if m <= 16 else "permutation 400000"
        tag = f"{model}_{args.rows}_{budget}_{args.ref_seed_per_row}"
        cached = Path(args.cache) / f"{tag}.npz" if args.cache else None
        if cached is not None and cached.exists():
            truth = np.load(cached)["truth"]
        else:
            if m <= 16:
                truth, _ = cli(args, model, data, bg_csv, "exact", 0)
            else:
                truth, _ = cli(args, model, data, bg_csv, "permutation", 12345, samples=400000)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                np.savez(cached, truth=truth, ref=reference(REPO / "models" / f"{model}.onnx", x_rows, bg, budget, args.ref_seed_per_row))
        row = {"model": model, "m": m, "budget": budget, "truth": truth_kind, "repeats": args.repeats}
        errors = {"leverage_shap_reference": [], "ours_leverage": [], "ours_kernel": []}
        for j in range(args.repeats):
            ref_file = Path(args.cache) / f"{tag}_ref{j}.npz" if args.cache else None
            if ref_file is not None and ref_file.exists():
                ref = np.load(ref_file)["ref"]
            else:
                ref = reference(REPO / "models" / f"{model}.onnx", x_rows, bg, budget, args.ref_seed_per_row, j)
                if ref_file is not None:
                    np.savez(ref_file, ref=ref)
            errors["leverage_shap_reference"].append(rel_l2(ref, truth))
            for sampling in ("leverage", "kernel"):
                ours, meta = cli(args, model, data, bg_csv, "kernel", j, samples=budget, sampling=sampling)
                errors[f"ours_{sampling}"].append(rel_l2(ours, truth))
                row[f"ours_{sampling}_evaluations"] = float(np.mean(meta["evaluations_per_row"]))
        for key, e in errors.items():
            row[key] = float(np.mean(e))
            row[f"{key}_sem"] = float(np.std(e, ddof=1) / np.sqrt(len(e))) if len(e) > 1 else None
            row[f"{key}_all"] = e
        results.append(row)
        print(json.dumps(row), flush=True)
    Path(args.out_json).write_text(json.dumps({"rows": args.rows, "background_size": args.background_size,
                                               "repeats": args.repeats,
                                               "ref_seed_per_row": args.ref_seed_per_row,
                                               "results": results}, indent=1) + "\n")
    lines = ["| model | M | budget | truth | Leverage SHAP reference | ours, --sampling leverage | ours, --sampling kernel |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        def cell(key):
            sem = r[f"{key}_sem"]
            return f"{r[key]:.4f}" + (f" ± {sem:.4f}" if sem is not None else "")
        lines.append(f"| {r['model']} | {r['m']} | {r['budget']} | {r['truth']} | {cell('leverage_shap_reference')} | "
                     f"{cell('ours_leverage')} | {cell('ours_kernel')} |")
    Path(args.out_md).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
