#!/usr/bin/env python3
"""A notebook's side-by-side in one Python process: `shap.Explainer`'s default (it picks
PermutationExplainer, max_evals 500, for 100 features) on the model through onnxruntime (one
thread) against `onnx_inspector.explain`'s default (auto) and `method="permutation",
samples=500`, one thread each, same 50 background rows (every k-th training row), rows 0..N-1 of
the digits test set, the reference net models/ref_dense100.onnx. Error: rel-L2 against
`oi.explain(method="permutation", samples=100000, seed=12345)`. Times: wall time of the call
(after one warm-up call each), medians of REPEATS interleaved runs.

Needs the venv of .ci/python.sh plus onnxruntime. Usage from the repo root:
    target/py-venv/bin/python benches/python_vs_shap.py [N] [REPEATS]
"""

import os

for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[v] = "1"
import csv  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import shap  # noqa: E402

import onnx_inspector as oi  # noqa: E402

warnings.filterwarnings("ignore")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 20
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
MODEL = REPO + "/models/ref_dense100.onnx"


def load(p):
    with open(p) as f:
        r = list(csv.reader(f))
    return r[0], np.array([[float(c) for c in row] for row in r[1:]], dtype=np.float32)


names, train = load(REPO + "/models/digits10_train.csv")
_, test = load(REPO + "/models/digits10_test.csv")
bg = train[:: max(1, len(train) // 50)][:50]
x = test[:N]
so = ort.SessionOptions()
so.intra_op_num_threads = so.inter_op_num_threads = 1
sess = ort.InferenceSession(MODEL, so)
inp = sess.get_inputs()[0].name
ex = shap.Explainer(lambda X: sess.run(None, {inp: np.asarray(X, dtype=np.float32)})[0],
                    shap.maskers.Independent(bg, max_samples=50), seed=0)
model = oi.Model(MODEL)
ref = oi.explain(model, x, background=bg, method="permutation", samples=100000, seed=12345,
                 threads=2, result="onnx_inspector").values
rel = lambda v: float(np.linalg.norm(v - ref) / np.linalg.norm(ref))  # noqa: E731
runs = {
    "shap.Explainer default": lambda X: ex(X).values,
    "oi.explain default (auto)": lambda X: oi.explain(model, X, background=bg, threads=1,
                                                      result="onnx_inspector").values,
    "oi.explain permutation 500": lambda X: oi.explain(
        model, X, background=bg, method="permutation", samples=500, threads=1,
        result="onnx_inspector").values,
}
for f in runs.values():
    f(test[N:N + 2])  # warm-up
times = {k: [] for k in runs}
errors = {}
for _ in range(REPEATS):
    for k, f in runs.items():
        t0 = time.perf_counter()
        v = f(x)
        times[k].append(time.perf_counter() - t0)
        errors[k] = rel(v)
base = statistics.median(times["shap.Explainer default"])
print(f"{N} rows, ref_dense100 (100 features, 10 outputs), 50 background rows, one thread")
for k in runs:
    t = statistics.median(times[k])
    print(f"{k:30s} {1000 * t / N:8.1f} ms/row  {t / base:5.2f}x shap's time  rel-L2 {errors[k]:.4f}")
