#!/usr/bin/env python3
"""Side-by-side accuracy / speed benchmark: onnx-inspector vs Python's shap.

One run explains rows 0..N-1 of models/digits10_test.csv on models/ref_dense100.onnx
(100 features, 10 softmax outputs) with the SAME 50 background rows for every tool,
and compares each estimate with a high-budget reference:

  reference = onnx-inspector --method permutation --samples 400000 (~2020 antithetic
              pairs per row), cross-checked against shap's PermutationExplainer with a
              high max_evals on a few rows.

Usage (from the repo root):
    python benches/compare_shap.py --bin target/release/onnx-inspector --rows 20
Another model: --model models/cnn_digits8.onnx --test-csv models/digits8_test.csv
--train-csv models/digits8_train.csv (image inputs are reshaped to the model's input shape for
onnxruntime); --engine picks onnx-inspector's inference engine (e.g. ort, with --features ort).

Results: benches/results/compare_shap.json and benches/results/compare_shap.md.
See benches/README.md.
"""
from __future__ import annotations

import os

# --- single-threaded numeric stack for the Python side: must happen before numpy loads.
# The CLI subprocess gets the environment as it was *before* these changes.
_ORIG_ENV = dict(os.environ)
for _v in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMBA_NUM_THREADS",
):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pandas as pd  # noqa: E402

warnings.filterwarnings("ignore")
import shap  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from leverage_reference import reference as leverage_reference  # noqa: E402

try:
    from threadpoolctl import threadpool_info
except ImportError:  # pragma: no cover
    threadpool_info = None

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "models" / "ref_dense100.onnx"
TEST_CSV = REPO / "models" / "digits10_test.csv"
TRAIN_CSV = REPO / "models" / "digits10_train.csv"
RESULTS = REPO / "benches" / "results"
ENGINE = "auto"


# ----------------------------------------------------------------------------- helpers
def rel_l2(phi: np.ndarray, ref: np.ndarray) -> float:
    """||phi - ref||_F / ||ref||_F over all rows, features and outputs."""
    return float(np.linalg.norm(phi - ref) / np.linalg.norm(ref))


def calibration(phi, ref, se, se_ref=None, mask=None):
    """Fraction of entries with |phi - ref| / se <= 2 (entries with se == 0 ignored).

    With se_ref given, the denominator is sqrt(se^2 + se_ref^2) (the reference's own
    noise included). mask (bool, same shape) restricts the entries considered.
    """
    err = np.abs(phi - ref)
    s = se if se_ref is None else np.sqrt(se**2 + se_ref**2)
    m = np.ones_like(err, dtype=bool) if mask is None else mask.copy()
    zero = m & (s == 0)
    m &= s > 0
    z = err[m] / s[m]
    return {
        "frac_within_2se": float(np.mean(z <= 2.0)) if z.size else None,
        "frac_within_1se": float(np.mean(z <= 1.0)) if z.size else None,
        "median_abs_z": float(np.median(z)) if z.size else None,
        "rms_z": float(np.sqrt(np.mean(z**2))) if z.size else None,
        "entries_used": int(m.sum()),
        "entries_stderr_zero_ignored": int(zero.sum()),
    }


def additivity_err(values, base, pred):
    """max |sum_j phi_j + base - pred| (local accuracy)."""
    return float(np.max(np.abs(values.sum(axis=1) + base - pred)))


class CLI:
    def __init__(self, binary: Path, bg_csv: Path, workdir: Path, n_rows: int):
        self.bin = binary
        self.bg = bg_csv
        self.work = workdir
        self.n = n_rows
        self.k = 0

    def run(self, method, samples=None, threads=1, sampling=None, seed=0, rows=None):
        self.k += 1
        out = self.work / f"cli_{self.k}"
        rows = rows if rows is not None else f"0:{self.n}"
        cmd = [
            str(self.bin), "explain", str(MODEL),
            "--data", str(TEST_CSV),
            "--background", str(self.bg),
            "--method", method,
            "--rows", rows,
            "--seed", str(seed),
            "--threads", str(threads),
            "--out", str(out),
            "--engine", ENGINE,
            "--quiet",
            "--no-charts",
        ]
        if samples is not None:
            cmd += ["--samples", str(samples)]
        if sampling is not None:
            cmd += ["--sampling", sampling]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=_ORIG_ENV, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        with open(out / "explanations.json") as fh:
            d = json.load(fh)
        n = len(d["row_indices"])
        return {
            "cmd": cmd,
            "values": np.asarray(d["values"], dtype=np.float64),
            "stderr": np.asarray(d["stderr"], dtype=np.float64),
            "base_values": np.asarray(d["base_values"], dtype=np.float64),
            "predictions": np.asarray(d["predictions"], dtype=np.float64),
            "total_seconds": float(d["meta"]["timings"]["total_seconds"]),
            "model_seconds": float(d["meta"]["timings"].get("model_seconds") or 0.0),
            "model_rows": int(sum(d["meta"].get("evaluations_per_row") or [0]))
            * int(d["meta"].get("model_rows_per_evaluation") or 0),
            "wall_seconds": wall,
            "n": n,
            "budget": d["meta"].get("budget"),
            "evaluations_per_row": d["meta"].get("evaluations_per_row"),
        }


def make_model_fn(threads: int = 1):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = threads
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(str(MODEL), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    row_shape = [int(d) for d in sess.get_inputs()[0].shape[1:]]

    def f(X):
        f.rows += len(X)
        x = np.ascontiguousarray(X, dtype=np.float32).reshape([len(X), *row_shape])
        return sess.run(None, {name: x})[0]

    f.rows = 0  # model rows evaluated (counts what shap really sends to the model)
    return f


def timed(fn, n, f=None):
    """Run fn once; return (result, seconds per row). With f given, also record f.rows/row."""
    if f is not None:
        f.rows = 0
    t0 = time.perf_counter()
    r = fn()
    dt = (time.perf_counter() - t0) / n
    if f is not None:
        timed.model_rows_per_row = f.rows / n
    return r, dt


# ----------------------------------------------------------------------------- main
def main() -> int:
    global MODEL, TEST_CSV, TRAIN_CSV, ENGINE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/onnx-inspector", help="onnx-inspector binary")
    ap.add_argument("--rows", type=int, default=20, help="explain test rows 0..N-1 (default 20)")
    ap.add_argument("--shap-kernel-rows", type=int, default=None,
                    help="rows for shap KernelExplainer (default: same as --rows)")
    ap.add_argument("--background-size", type=int, default=50)
    ap.add_argument("--bg-seed", type=int, default=0, help="seed for picking background rows from train CSV")
    ap.add_argument("--seed", type=int, default=0, help="seed of the estimates under test (CLI and shap)")
    ap.add_argument("--ref-seed", type=int, default=12345,
                    help="seed of the reference run (different from --seed so the estimates are independent of it)")
    ap.add_argument("--ref-samples", type=int, default=400000)
    ap.add_argument("--ref-check-rows", type=int, default=3, help="rows re-done with shap PermutationExplainer")
    ap.add_argument("--ref-check-pairs", type=int, default=2000,
                    help="antithetic pairs for the shap reference check (max_evals = pairs*(2*M+1))")
    ap.add_argument("--budgets", default="256,512,768,1024,1536,2048,2248,3072,4096",
                    help="kernel budgets swept with --threads 2")
    ap.add_argument("--repeats", type=int, default=3, help="timing repeats of each CLI run (median reported)")
    ap.add_argument("--wait-idle", type=float, default=0.0,
                    help="before timing, wait up to this many seconds for the 1-min load average to drop below 0.5")
    ap.add_argument("--model", default=str(MODEL))
    ap.add_argument("--test-csv", default=str(TEST_CSV))
    ap.add_argument("--train-csv", default=str(TRAIN_CSV))
    ap.add_argument("--engine", default="auto", help="onnx-inspector --engine")
    ap.add_argument("--out-json", default=str(RESULTS / "compare_shap.json"))
    ap.add_argument("--out-md", default=str(RESULTS / "compare_shap.md"))
    args = ap.parse_args()
    MODEL, TEST_CSV, TRAIN_CSV = Path(args.model), Path(args.test_csv), Path(args.train_csv)
    ENGINE = args.engine

    binary = Path(args.bin)
    if not binary.is_absolute():
        binary = (Path.cwd() / binary).resolve()
    if not binary.exists():
        sys.exit(f"binary not found: {binary} (pass --bin)")
    if args.wait_idle > 0:
        t_w = time.perf_counter()
        while os.getloadavg()[0] >= 0.5 and time.perf_counter() - t_w < args.wait_idle:
            time.sleep(5)
    N = args.rows
    NK = args.shap_kernel_rows or N
    t_start = time.perf_counter()
    load_start = os.getloadavg()

    def log(msg):
        print(f"[{time.perf_counter() - t_start:7.1f}s] {msg}", file=sys.stderr, flush=True)

    # ---- data & shared background -------------------------------------------------
    header = TRAIN_CSV.read_text().splitlines()[0]
    train_lines = TRAIN_CSV.read_text().splitlines()[1:]
    rng = np.random.default_rng(args.bg_seed)
    bg_idx = rng.choice(len(train_lines), size=args.background_size, replace=False)
    test = pd.read_csv(TEST_CSV).to_numpy(np.float32).astype(np.float64)
    X = test[:N]
    M = X.shape[1]
    default_budget = 2 * M + 2048

    tmp = tempfile.TemporaryDirectory(prefix="oi_bench_")
    work = Path(tmp.name)
    bg_csv = work / "background.csv"
    # copy the chosen train lines verbatim -> both tools see identical numbers
    bg_csv.write_text(header + "\n" + "\n".join(train_lines[i] for i in bg_idx) + "\n")
    bg = pd.read_csv(bg_csv).to_numpy(np.float32).astype(np.float64)
    assert bg.shape == (args.background_size, M)

    # features whose value in x equals every background value: exact Shapley value is 0
    nonvarying = np.all(bg[None, :, :] == X[:, None, :], axis=1)  # [N, M]
    n_varying = (~nonvarying).sum(axis=1)
    log(f"N={N} rows, M={M}, background {bg.shape[0]} rows (train indices seed {args.bg_seed}); "
        f"varying features per row: min {n_varying.min()} max {n_varying.max()}")

    f = make_model_fn(1)
    pred_ort = f(X).astype(np.float64)
    K = pred_ort.shape[1]
    base_ort = f(bg).astype(np.float64).mean(axis=0)

    cli = CLI(binary, bg_csv, work, N)
    results = []  # rows of the table

    # ---- reference ------------------------------------------------------------------
    log(f"reference: CLI permutation --samples {args.ref_samples} --threads 2 --seed {args.ref_seed} ...")
    ref = cli.run("permutation", samples=args.ref_samples, threads=2, seed=args.ref_seed)
    phi_ref, se_ref = ref["values"], ref["stderr"]
    log(f"reference done in {ref['wall_seconds']:.1f}s")
    ref_info = {
        "method": "onnx-inspector permutation",
        "samples": args.ref_samples,
        "evaluations_per_row": ref["evaluations_per_row"][0] if ref["evaluations_per_row"] else None,
        "antithetic_pairs_per_row": args.ref_samples // (2 * (M - 1)),
        "seed": args.ref_seed,
        "seconds_per_row": ref["total_seconds"] / N,
        "rel_stderr": float(np.linalg.norm(se_ref) / np.linalg.norm(phi_ref)),
        "stderr_zero_entries": int((se_ref == 0).sum()),
        "additivity_max_abs": additivity_err(phi_ref, ref["base_values"], ref["predictions"]),
        "cli_pred_vs_ort_max_abs": float(np.max(np.abs(ref["predictions"] - pred_ort))),
        "cli_base_vs_ort_max_abs": float(np.max(np.abs(ref["base_values"] - base_ort[None, :]))),
        "nonvarying_entries_max_abs_phi": float(np.max(np.abs(phi_ref[np.repeat(nonvarying[:, :, None], K, 2)])))
        if nonvarying.any() else 0.0,
    }

    # cross-check with shap's PermutationExplainer on a few rows
    R = min(args.ref_check_rows, N)
    max_evals_chk = args.ref_check_pairs * (2 * M + 1)
    log(f"reference check: shap PermutationExplainer max_evals={max_evals_chk} on {R} rows ...")
    masker = shap.maskers.Independent(bg, max_samples=args.background_size)
    pexp = shap.PermutationExplainer(f, masker, seed=args.ref_seed)
    np.random.seed(args.ref_seed)
    ex_chk, t_chk = timed(lambda: pexp(X[:R], max_evals=max_evals_chk, silent=True), R)
    phi_chk = np.asarray(ex_chk.values, dtype=np.float64)
    d_chk = rel_l2(phi_chk, phi_ref[:R])
    ref_rel_se_R = float(np.linalg.norm(se_ref[:R]) / np.linalg.norm(phi_ref[:R]))
    pairs_chk = [int(max_evals_chk // (2 * v + 1)) for v in n_varying[:R]]
    # expected disagreement if both are unbiased: sqrt(var_cli + var_shap); shap's variance
    # per pair ~ the CLI's per pair, so var_shap ~ var_cli * pairs_cli / pairs_shap.
    pairs_ref = args.ref_samples // (2 * (M - 1))
    expected = ref_rel_se_R * float(np.sqrt(1.0 + pairs_ref / np.mean(pairs_chk)))
    ref_info["shap_check"] = {
        "rows": R,
        "max_evals": max_evals_chk,
        "antithetic_pairs_per_row": pairs_chk,
        "rel_l2_disagreement_vs_cli_reference": d_chk,
        "expected_disagreement_from_cli_stderr": expected,
        "cli_reference_rel_stderr_on_these_rows": ref_rel_se_R,
        "frac_within_2se_combined": calibration(
            phi_chk, phi_ref[:R], se_ref[:R] * np.sqrt(1.0 + pairs_ref / np.mean(pairs_chk)))["frac_within_2se"],
        "shap_base_vs_cli_base_max_abs": float(np.max(np.abs(np.asarray(ex_chk.base_values) - ref["base_values"][:R]))),
        "seconds_per_row": t_chk,
    }
    log(f"  shap check rel. disagreement {d_chk:.4f} (expected ~{expected:.4f}); ref rel stderr {ref_info['rel_stderr']:.4f}")

    def add(method, budget, threads, n, s_row, err, tool, wall_s_row=None, note="", extra=None):
        r = {"method": method, "tool": tool, "budget": budget, "threads": threads, "rows": n,
             "seconds_per_row": s_row, "wall_seconds_per_row": wall_s_row, "rel_l2_error": err, "note": note,
             "load_avg_1min": os.getloadavg()[0]}
        if extra:
            r.update(extra)
        results.append(r)
        log(f"  {method:<48} budget={budget!s:<10} thr={threads} rows={n} s/row={s_row:.4f} err={err:.4f}")
        return r

    # ---- shap KernelExplainer ---------------------------------------------------------
    ke = shap.KernelExplainer(f, bg)
    # warm-up on a row outside the explained set (first-call overheads)
    ke.shap_values(test[-1:], silent=True, nsamples=300)
    XK = X[:NK]
    ref_K = phi_ref[:NK]
    kernel_auto_budgets = [int(2 * v + 2048) for v in n_varying[:NK]]
    note_k = "" if NK == N else f"measured on first {NK} rows only"
    for label, kw in (("shap KernelExplainer (defaults: l1_reg='num_features(10)')", {}),
                      ("shap KernelExplainer l1_reg=False", {"l1_reg": False})):
        log(f"{label} on {NK} rows ...")
        np.random.seed(args.seed)
        phi, s_row = timed(lambda: ke.shap_values(XK, silent=True, **kw), NK, f)
        phi = np.asarray(phi, dtype=np.float64)
        add(label, f"auto ({min(kernel_auto_budgets)}-{max(kernel_auto_budgets)})", 1, NK, s_row,
            rel_l2(phi, ref_K), "shap", note=note_k,
            extra={"model_rows_per_row": timed.model_rows_per_row,
                   "additivity_max_abs": additivity_err(phi, np.asarray(ke.expected_value)[None, :], pred_ort[:NK]),
                   "nsamples_per_row": kernel_auto_budgets})
    shap_kernel_default_s = results[-2]["seconds_per_row"]

    # ---- shap PermutationExplainer ----------------------------------------------------
    pexp = shap.PermutationExplainer(f, masker, seed=args.seed)
    pexp(test[-1:], max_evals=2 * (2 * M + 1), silent=True)  # warm-up (numba JIT etc.)
    for max_evals, what in ((500, "default max_evals=500"),
                            (default_budget, f"max_evals={default_budget} (= CLI coalition budget)")):
        label = f"shap PermutationExplainer {what}"
        log(f"{label} ...")
        np.random.seed(args.seed)
        ex, s_row = timed(lambda: pexp(X, max_evals=max_evals, silent=True), N, f)
        phi = np.asarray(ex.values, dtype=np.float64)
        pairs = [int(max_evals // (2 * v + 1)) for v in n_varying]
        add(label, max_evals, 1, N, s_row, rel_l2(phi, phi_ref), "shap",
            note=f"{min(pairs)}-{max(pairs)} antithetic pairs/row",
            extra={"antithetic_pairs_per_row": pairs, "model_rows_per_row": timed.model_rows_per_row,
                   "additivity_max_abs": additivity_err(phi, np.asarray(ex.base_values), pred_ort)})

    # ---- Leverage SHAP reference code (Musco & Witter; vendored in benches/leverageshap_ref) --
    log(f"Leverage SHAP reference num_samples={default_budget + 2} ...")
    phi, s_row = timed(lambda: leverage_reference(MODEL, X, bg, default_budget), N)
    add(f"Leverage SHAP reference (rtealwitter/leverageshap) num_samples={default_budget + 2}", default_budget, 1, N,
        s_row, rel_l2(phi, phi_ref), "leverageshap",
        note="same coalition budget as the CLI (its count includes the empty and full sets); seed 42 + row")

    shap_rows = [r for r in results if r["tool"] == "shap"]
    shap_best = min(shap_rows, key=lambda r: r["rel_l2_error"])
    shap_kernel_best = min((r for r in shap_rows if "Kernel" in r["method"]), key=lambda r: r["rel_l2_error"])

    # ---- onnx-inspector ---------------------------------------------------------------
    def cli_timed(method, samples, threads, sampling=None):
        runs = [cli.run(method, samples=samples, threads=threads, sampling=sampling, seed=args.seed)
                for _ in range(args.repeats)]
        r0 = runs[0]
        same = all(np.array_equal(r["values"], r0["values"]) for r in runs[1:])
        r0["s_row"] = statistics.median(r["total_seconds"] for r in runs) / r0["n"]
        r0["wall_row"] = statistics.median(r["wall_seconds"] for r in runs) / r0["n"]
        r0["repeat_identical"] = same
        r0["model_rows_per_row"] = r0["model_rows"] / r0["n"]
        r0["model_rows_per_model_second"] = (r0["model_rows"] / r0["model_seconds"]) if r0["model_seconds"] else None
        r0["all_total_seconds"] = [r["total_seconds"] for r in runs]
        return r0

    cal = {}
    cli_default = {}
    for method, sampling in (("kernel", "kernel"), ("kernel", "leverage"), ("permutation", None)):
        for threads in ((1, 2) if method == "kernel" else (1, 2)):
            label = f"onnx-inspector {method}" + (f" --sampling {sampling}" if sampling else "")
            log(f"{label} --threads {threads} ...")
            r = cli_timed(method, None, threads, sampling)
            cli_default[(method, sampling, threads)] = r
            note = "" if r["repeat_identical"] else "repeats NOT identical!"
            add(label, r["budget"], threads, N, r["s_row"], rel_l2(r["values"], phi_ref), "onnx-inspector",
                wall_s_row=r["wall_row"], note=note,
                extra={"model_rows_per_row": r["model_rows_per_row"],
                       "model_rows_per_model_second": r["model_rows_per_model_second"],
                       "additivity_max_abs": additivity_err(r["values"], r["base_values"], r["predictions"]),
                       "all_total_seconds": r["all_total_seconds"],
                       "rel_stderr": float(np.linalg.norm(r["stderr"]) / np.linalg.norm(phi_ref))})
        # results must not depend on --threads
        a, b = cli_default[(method, sampling, 1)], cli_default[(method, sampling, 2)]
        key = method + (f"/{sampling}" if sampling else "")
        vary_mask = np.repeat(~nonvarying[:, :, None], K, axis=2)
        cal[key] = {
            "threads_1_vs_2_identical": bool(np.array_equal(a["values"], b["values"])),
            "rel_l2_error": rel_l2(a["values"], phi_ref),
            "rel_stderr_estimate": float(np.linalg.norm(a["stderr"]) / np.linalg.norm(phi_ref)),
            "all_entries": calibration(a["values"], phi_ref, a["stderr"]),
            "all_entries_incl_ref_noise": calibration(a["values"], phi_ref, a["stderr"], se_ref),
            "varying_features_only": calibration(a["values"], phi_ref, a["stderr"], mask=vary_mask),
            "nonvarying_features_only": calibration(a["values"], phi_ref, a["stderr"], mask=~vary_mask),
            "nonvarying_entries_max_abs_phi": float(np.max(np.abs(a["values"][~vary_mask]))) if (~vary_mask).any() else 0.0,
            "nonvarying_entries_max_stderr": float(np.max(a["stderr"][~vary_mask])) if (~vary_mask).any() else 0.0,
        }

    # budget sweep (threads 2)
    sweep = []
    for method, sampling in (("kernel", "kernel"), ("kernel", "leverage"), ("permutation", None)):
        for b in [int(x) for x in args.budgets.split(",") if x.strip()]:
            log(f"sweep: {method} --sampling {sampling} --samples {b} --threads 2 ...")
            try:
                r = cli_timed(method, b, 2, sampling)
            except subprocess.CalledProcessError:
                log(f"  skipped: the CLI refuses --samples {b} for {method} (budget too small)")
                continue
            label = sampling or "permutation"
            e = rel_l2(r["values"], phi_ref)
            sweep.append({"sampling": label, "budget": b, "threads": 2, "seconds_per_row": r["s_row"],
                          "wall_seconds_per_row": r["wall_row"], "rel_l2_error": e,
                          "calibration_within_2se": calibration(r["values"], phi_ref, r["stderr"])["frac_within_2se"]})

    def cheapest(target):
        out = {}
        for sampling in ("kernel", "leverage", "permutation"):
            ok = [s for s in sweep if s["sampling"] == sampling and s["rel_l2_error"] <= target]
            out[sampling] = min(ok, key=lambda s: s["budget"]) if ok else None
        return out

    cheap_best = cheapest(shap_best["rel_l2_error"])
    cheap_kbest = cheapest(shap_kernel_best["rel_l2_error"])
    for sampling, c in cheap_best.items():
        if c is not None:
            add(f"onnx-inspector {sampling} (cheapest <= best shap)", c["budget"], 2, N,
                c["seconds_per_row"], c["rel_l2_error"], "onnx-inspector", wall_s_row=c["wall_seconds_per_row"],
                note=f"target {shap_best['rel_l2_error']:.4f} = {shap_best['method']}")
    for target_row, cheap in ((shap_best, cheap_best), (shap_kernel_best, cheap_kbest)):
        for sampling, c in cheap.items():
            if c is None:
                log(f"  no swept kernel budget (--sampling {sampling}) reaches {target_row['rel_l2_error']:.4f} "
                    f"({target_row['method']}); extend --budgets")
    for sampling, c in cheap_kbest.items():
        if c is not None:
            add(f"onnx-inspector {sampling} (cheapest <= best shap Kernel)", c["budget"], 2, N,
                c["seconds_per_row"], c["rel_l2_error"], "onnx-inspector", wall_s_row=c["wall_seconds_per_row"],
                note=f"target {shap_kernel_best['rel_l2_error']:.4f} = {shap_kernel_best['method']}")

    for r in results:
        r["speedup_vs_shap_kernel_default"] = shap_kernel_default_s / r["seconds_per_row"]

    # ---- output -----------------------------------------------------------------------
    def fmt(x, p=4):
        return "" if x is None else f"{x:.{p}f}"

    lines = [
        f"Model `{MODEL.relative_to(REPO) if MODEL.is_absolute() else MODEL}`, engine `{ENGINE}` (M={M} features, K={K} outputs); test rows 0..{N - 1}; "
        f"background {bg.shape[0]} train rows (seed {args.bg_seed}), identical for both tools.",
        f"Reference: onnx-inspector permutation, {args.ref_samples} samples "
        f"(~{pairs_ref} antithetic pairs/row, seed {args.ref_seed}); rel. stderr "
        f"||se||/||phi|| = {ref_info['rel_stderr']:.4f}; shap PermutationExplainer "
        f"(max_evals={max_evals_chk}) on rows 0..{R - 1} disagrees by {d_chk:.4f} rel. L2 "
        f"(expected from stderr ~{expected:.4f}).",
        "",
        "| method | budget | threads | rows | s/row | wall s/row | rel. L2 error | speed-up vs shap Kernel default "
        "| model rows/row | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['method']} | {r['budget']} | {r['threads']} | {r['rows']} | {fmt(r['seconds_per_row'])} | "
            f"{fmt(r['wall_seconds_per_row'])} | {fmt(r['rel_l2_error'])} | "
            f"{r['speedup_vs_shap_kernel_default']:.1f}x | "
            f"{'' if r.get('model_rows_per_row') is None else int(round(r['model_rows_per_row']))} | {r['note']} |")
    for target_row, cheap in ((shap_best, cheap_best), (shap_kernel_best, cheap_kbest)):
        for sampling, c in cheap.items():
            if c is None:
                lines.append(f"| onnx-inspector kernel --sampling {sampling} (cheapest <= {target_row['method']}) "
                             f"| none <= {max(s['budget'] for s in sweep)} | 2 | {N} | | | | | | "
                             f"no swept budget reaches {target_row['rel_l2_error']:.4f} |")
    lines += ["", "Kernel budget sweep (onnx-inspector, --threads 2):", "",
              "| sampling | budget | s/row | wall s/row | rel. L2 error | frac |err|<=2se |",
              "| --- | --- | --- | --- | --- | --- |"]
    for s in sweep:
        lines.append(f"| {s['sampling']} | {s['budget']} | {fmt(s['seconds_per_row'])} | "
                     f"{fmt(s['wall_seconds_per_row'])} | {fmt(s['rel_l2_error'])} | "
                     f"{fmt(s['calibration_within_2se'], 3)} |")
    lines += ["", "Stderr calibration at the default budget (fraction of |phi - phi_ref| / stderr <= 2; "
              "ideal ~0.95):", "",
              "| estimator | rel. L2 err | ||se||/||phi_ref|| | all entries | incl. ref noise | varying features | "
              "non-varying features | stderr==0 ignored | threads 1 == 2 |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for k, c in cal.items():
        lines.append(
            f"| {k} | {fmt(c['rel_l2_error'])} | {fmt(c['rel_stderr_estimate'])} | "
            f"{fmt(c['all_entries']['frac_within_2se'], 3)} | "
            f"{fmt(c['all_entries_incl_ref_noise']['frac_within_2se'], 3)} | "
            f"{fmt(c['varying_features_only']['frac_within_2se'], 3)} | "
            f"{fmt(c['nonvarying_features_only']['frac_within_2se'], 3)} | "
            f"{c['all_entries']['entries_stderr_zero_ignored']} | {c['threads_1_vs_2_identical']} |")
    lines += ["", f"Timing: CLI s/row = meta.timings.total_seconds / rows (median of {args.repeats} runs; "
              "includes model load); wall = subprocess wall time / rows. shap s/row = perf_counter around the "
              "explain call / rows, after a warm-up call on another row; numpy/BLAS/OpenMP/numba and onnxruntime "
              "limited to 1 thread.",
              "model rows/row = rows actually sent to the model per explained row (shap: counted in the model "
              "function; CLI: evaluations_per_row x background rows).",
              f"Load average at start {load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f} (2 cores)."]
    table = "\n".join(lines)
    print(table)

    versions = {
        "python": platform.python_version(),
        "shap": shap.__version__,
        "onnxruntime": ort.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "onnx_inspector": subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip(),
        "binary": str(binary),
        "threadpools": threadpool_info() if threadpool_info else None,
        "env": {k: _ORIG_ENV.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
    }
    out = {
        "config": {**vars(args), "background_train_indices": [int(i) for i in bg_idx],
                   "M": M, "K": K, "default_budget": default_budget,
                   "varying_features_per_row": [int(v) for v in n_varying],
                   "shap_kernel_l1_reg_default": "num_features(10)"},
        "versions": versions,
        "reference": ref_info,
        "results": results,
        "kernel_budget_sweep": sweep,
        "cheapest_kernel_budget_vs_best_shap": {"target": shap_best["method"],
                                                "target_error": shap_best["rel_l2_error"], **cheap_best},
        "cheapest_kernel_budget_vs_best_shap_kernel": {"target": shap_kernel_best["method"],
                                                       "target_error": shap_kernel_best["rel_l2_error"],
                                                       **cheap_kbest},
        "stderr_calibration": cal,
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "total_runtime_seconds": time.perf_counter() - t_start,
    }
    Path(args.out_json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out_json).write_text(json.dumps(out, indent=1, default=str) + "\n")
    Path(args.out_md).write_text(table + "\n")
    log(f"wrote {args.out_json} and {args.out_md}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
