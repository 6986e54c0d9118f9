"""Side-by-side: onnx-inspector's LIME against the `lime` library on the same model, rows and budget.

    python benches/compare_lime.py --bin target/release/onnx-inspector [--model ref] [--rows 20]

Both explain the same test rows with 5000 samples, quartile discretizer, kernel width 0.75*sqrt(M),
10 features, every output; lime runs the same .onnx through onnxruntime on one thread. Reports
seconds per row of each tool and how well the weights agree (mean Spearman on lime's selected
features, sign agreement). Writes benches/results/compare_lime.{json,md}.
"""
import argparse
import json
import os
import pathlib
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import lime  # noqa: E402
import lime.lime_tabular  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
RESULTS = ROOT / "benches" / "results"
CASES = {
    "ref": ("ref_dense100.onnx", "digits10_train.csv", "digits10_test.csv"),
    "breast_cancer": ("breast_cancer.onnx", "breast_cancer_train.csv", "breast_cancer_test.csv"),
}


def run_cli(binary, model, train, test, rows, threads, out):
    cmd = [binary, "explain", str(MODELS / model), "--data", str(MODELS / test), "--train", str(MODELS / train),
           "--method", "lime", "--rows", f"0:{rows}", "--samples", "5000", "--num-features", "10",
           "--seed", "0", "--threads", str(threads), "--quiet", "--no-charts", "--out", str(out)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - t0
    d = json.loads((out / "explanations.json").read_text())
    return d, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/onnx-inspector")
    ap.add_argument("--model", default="ref", choices=sorted(CASES))
    ap.add_argument("--rows", type=int, default=20)
    args = ap.parse_args()
    model, train_csv, test_csv = CASES[args.model]
    train = pd.read_csv(MODELS / train_csv)
    test = pd.read_csv(MODELS / test_csv)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(MODELS / model), opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    n_out = sess.get_outputs()[0].shape[-1]

    def predict(x):
        return sess.run(None, {name: np.asarray(x, dtype=np.float32)})[0]

    mode = "classification" if n_out > 1 else "regression"
    explainer = lime.lime_tabular.LimeTabularExplainer(
        train.values, feature_names=list(train.columns), mode=mode, random_state=0)
    labels = tuple(range(n_out)) if n_out > 1 else (0,)
    lime_maps = []
    t0 = time.perf_counter()
    for r in range(args.rows):
        fn = predict if n_out > 1 else (lambda x: predict(x)[:, 0])
        e = explainer.explain_instance(test.values[r], fn, labels=labels, num_features=10, num_samples=5000)
        amap = e.as_map()
        if n_out > 1:
            lime_maps.append({k: dict(amap[k]) for k in labels})
        else:
            # lime's regression mode keeps the weights under key 1 (key 0 holds them negated).
            lime_maps.append({0: dict(amap[1])})
    lime_s_row = (time.perf_counter() - t0) / args.rows

    results = {"model": model, "rows": args.rows, "lime_version": "0.2.0.1", "lime_seconds_per_row": lime_s_row}
    with tempfile.TemporaryDirectory() as tmp:
        for threads in (1, 2):
            d, wall = run_cli(args.bin, model, train_csv, test_csv, args.rows, threads, pathlib.Path(tmp) / f"t{threads}")
            results[f"ours_seconds_per_row_{threads}t"] = d["meta"]["timings"]["total_seconds"] / args.rows
            results[f"ours_wall_seconds_per_row_{threads}t"] = wall / args.rows
            values = np.array(d["values"])
    rhos, agree, total = [], 0, 0
    for r, m in enumerate(lime_maps):
        for k, feats in m.items():
            idx = list(feats)
            theirs = np.array([feats[j] for j in idx])
            ours = values[r, idx, k]
            if len(idx) > 2 and np.std(ours) > 0:
                rhos.append(spearmanr(theirs, ours).correlation)
            both = ours != 0
            total += int(both.sum())
            agree += int((np.sign(theirs[both]) == np.sign(ours[both])).sum())
    results["mean_spearman_on_lime_features"] = float(np.mean(rhos))
    results["sign_agreement_on_shared_features"] = agree / max(total, 1)
    results["speedup_1t"] = lime_s_row / results["ours_seconds_per_row_1t"]
    results["speedup_2t"] = lime_s_row / results["ours_seconds_per_row_2t"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"compare_lime_{args.model}.json").write_text(json.dumps(results, indent=1))
    md = [f"| tool | threads | s/row | speed-up vs lime |", "| --- | --- | --- | --- |",
          f"| lime 0.2.0.1 + onnxruntime | 1 | {lime_s_row:.4f} | 1.0x |",
          f"| onnx-inspector --method lime | 1 | {results['ours_seconds_per_row_1t']:.4f} | {results['speedup_1t']:.0f}x |",
          f"| onnx-inspector --method lime | 2 | {results['ours_seconds_per_row_2t']:.4f} | {results['speedup_2t']:.0f}x |",
          "", f"Agreement: mean Spearman {results['mean_spearman_on_lime_features']:.3f} on lime's selected features, "
          f"signs agree on {100 * results['sign_agreement_on_shared_features']:.1f}% of shared features "
          f"({args.rows} rows of {model}, 5000 samples)."]
    (RESULTS / f"compare_lime_{args.model}.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
