#!/usr/bin/env python3
"""Our default against shap's default on every zoo model with >= 10 tabular features, whole process,
one thread, N rows: the measurement behind the default budget.

For each model: shap.Explainer(f, Independent(bg, 50)) with its defaults (Permutation, max_evals
500, above 10 features; Exact at <= 10), onnxruntime on one thread, timed after a warm-up; ours:
the binary's default and each candidate given on the command line, one thread, CPU time of the
whole process per row (start, model load, CSV, writes included). Error: relative L2 to exact
Shapley values (M <= 16) or to `--method permutation --samples 100000` (another seed).

Needs the venv of benches/requirements.txt. Usage from the repo root:
    <venv>/bin/python benches/default_budget.py [N] [REPEATS] [CANDIDATE ...]
A CANDIDATE is a quoted list of extra `explain` flags, e.g. "--samples 1000".
Prints one line per (model, configuration): medians of REPEATS interleaved runs and the ratios
to shap's CPU time and error; writes benches/results/default_budget.{json,md}.
"""
import os
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[v] = "1"
import csv, json, shlex, subprocess, sys, tempfile, time, warnings
import numpy as np, onnxruntime as ort
warnings.filterwarnings("ignore")
import shap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BIN", REPO + "/target/release/onnx-inspector")
WORK = tempfile.mkdtemp(prefix="default_budget_")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 20
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
CANDIDATES = [shlex.split(c) for c in sys.argv[3:]]
# (model, train csv, test csv): every zoo model whose rows are >= 10 tabular features.
MODELS = [
    ("ref_dense100.onnx", "digits10_train.csv", "digits10_test.csv"),
    ("breast_cancer.onnx", "breast_cancer_train.csv", "breast_cancer_test.csv"),
    ("wine_keras3.onnx", "wine_train.csv", "wine_test.csv"),
    ("diabetes.onnx", "diabetes_train.csv", "diabetes_test.csv"),
]


def load(p):
    with open(p) as f:
        r = list(csv.reader(f))
    return r[0], np.array(r[1:], dtype=np.float32)


def ours(model, data, bg, extra):
    """φ [N, M, K] and whole-process CPU seconds per row of one `explain` run."""
    out = tempfile.mkdtemp(dir=WORK)
    cmd = [BIN, "explain", model, "--data", data, "--background", bg, "--rows", f"0:{N}",
           "--threads", "1", "--no-charts", "--no-report", "--quiet", "--out", out] + list(extra)
    p = subprocess.Popen(cmd)
    _, st, ru = os.wait4(p.pid, 0)
    assert st == 0, cmd
    d = json.load(open(out + "/explanations.json"))
    return np.array(d["values"]), (ru.ru_utime + ru.ru_stime) / N, d["meta"]


def shap_values(sv):
    v = np.asarray(sv.values)
    return v if v.ndim == 3 else v[:, :, None]


results = []
for model_file, train_csv, test_csv in MODELS:
    model = REPO + "/models/" + model_file
    hdr, train = load(REPO + "/models/" + train_csv)
    _, test = load(REPO + "/models/" + test_csv)
    m = train.shape[1]
    step = max(1, len(train) // 50)
    bg = train[::step][:50]
    bgp = os.path.join(WORK, model_file + ".bg.csv")
    with open(bgp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(hdr)
        w.writerows(bg.tolist())
    data = REPO + "/models/" + test_csv
    ref_flags = ["--method", "exact"] if m <= 16 else ["--method", "permutation", "--samples", "100000", "--seed", "12345"]
    ref = ours(model, data, bgp, ref_flags)[0]
    rel = lambda a: float(np.linalg.norm(a - ref) / np.linalg.norm(ref))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model, so)
    name = sess.get_inputs()[0].name
    f = lambda X: sess.run(None, {name: np.asarray(X, dtype=np.float32)})[0]
    ex = shap.Explainer(f, shap.maskers.Independent(bg, max_samples=50), seed=0)
    ex(test[N:N + 2])  # warm-up
    configs = [("default", [])] + [(" ".join(c), c) for c in CANDIDATES]
    shap_runs, runs = [], {label: [] for label, _ in configs}
    for _ in range(REPEATS):
        c0 = time.process_time()
        sv = ex(test[:N])
        shap_runs.append(((time.process_time() - c0) / N, rel(shap_values(sv))))
        for label, extra in configs:
            v, cpu, meta = ours(model, data, bgp, extra)
            evals = float(np.mean(meta["evaluations_per_row"])) if meta.get("evaluations_per_row") else None
            runs[label].append((cpu, rel(v), evals, meta["method"]))
    med = lambda rows, k: float(np.median([r[k] for r in rows]))
    s_cpu, s_err = med(shap_runs, 0), med(shap_runs, 1)
    s_err = 0.0 if s_err < 1e-6 else s_err  # shap's exact explainer: float32 rounding only
    print(f"{model_file} (M={m}): shap default ({type(ex).__name__}): CPU {s_cpu*1e3:.2f} ms/row, rel-L2 {s_err:.4f}")
    entry = {"model": model_file, "features": m, "shap": {"explainer": type(ex).__name__, "cpu_ms_per_row": s_cpu * 1e3, "rel_l2": s_err}, "ours": []}
    for label, _ in configs:
        r = runs[label]
        cpu, err = med(r, 0), med(r, 1)
        evals = r[0][2]
        print(f"  ours {label:28s} {r[0][3]:11s} evals/row {evals if evals is None else round(evals)!s:>6}: CPU {cpu*1e3:7.2f} ms/row ({cpu/s_cpu:.2f}x), rel-L2 {err:.4f} ({(err/s_err if s_err>0 else float('inf')):.2f}x)")
        entry["ours"].append({"flags": label, "method": r[0][3], "evaluations_per_row": evals, "cpu_ms_per_row": cpu * 1e3, "rel_l2": err, "time_ratio": cpu / s_cpu, "error_ratio": err / s_err if s_err > 0 else None})
    results.append(entry)
    sys.stdout.flush()

os.makedirs(REPO + "/benches/results", exist_ok=True)
with open(REPO + "/benches/results/default_budget.json", "w") as f:
    json.dump({"rows": N, "repeats": REPEATS, "models": results}, f, indent=1)
with open(REPO + "/benches/results/default_budget.md", "w") as f:
    f.write(f"`benches/default_budget.py {N} {REPEATS}`: one thread, medians; CPU = whole process per row; error = rel-L2 to exact/100k-sample reference\n\n")
    f.write("| model | M | configuration | method | evals/row | CPU ms/row | × shap | rel-L2 | × shap |\n|---|---|---|---|---|---|---|---|---|\n")
    for e in results:
        s = e["shap"]
        f.write(f"| {e['model']} | {e['features']} | shap default | {s['explainer']} | | {s['cpu_ms_per_row']:.2f} | 1 | {s['rel_l2']:.4f} | 1 |\n")
        for o in e["ours"]:
            ev = "" if o["evaluations_per_row"] is None else f"{o['evaluations_per_row']:.0f}"
            er = "–" if o["error_ratio"] is None else f"{o['error_ratio']:.2f}"
            f.write(f"| | | ours {o['flags']} | {o['method']} | {ev} | {o['cpu_ms_per_row']:.2f} | {o['time_ratio']:.2f} | {o['rel_l2']:.4f} | {er} |\n")
