"""Side-by-side: onnx-inspector's LIME against the `lime` library on the same model, rows and budget.

    python benches/compare_lime.py --bin target/release/onnx-inspector [--model ref] [--rows 20]

Both explain the same test rows with 5000 samples, quartile discretizer, kernel width 0.75*sqrt(M),
10 features, every output; lime runs the same .onnx through onnxruntime on one thread. Reports
seconds per row of each tool: lime's `explain_instance` loop against our `meta.timings.explain_seconds`
(both after the explainer and model are built), and our end-to-end `total_seconds` (loading the
model, data and training statistics included). Also how well the weights agree (mean Spearman on
lime's selected features, sign agreement), next to lime's agreement with itself under another seed.
Writes benches/results/compare_lime_<model>.{json,md}.
"""
import argparse
import importlib.metadata
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
    labels = tuple(range(n_out)) if n_out > 1 else (0,)
    fn = predict if n_out > 1 else (lambda x: predict(x)[:, 0])

    def run_lime(seed):
        """lime's weights per row and output, and its seconds per row (explain_instance only)."""
        explainer = lime.lime_tabular.LimeTabularExplainer(
            train.values, feature_names=list(train.columns), mode=mode, random_state=seed)
        maps = []
        t0 = time.perf_counter()
        for r in range(args.rows):
            e = explainer.explain_instance(test.values[r], fn, labels=labels, num_features=10, num_samples=5000)
            amap = e.as_map()
            # lime's regression mode keeps the weights under key 1 (key 0 holds them negated).
            maps.append({k: dict(amap[k]) for k in labels} if n_out > 1 else {0: dict(amap[1])})
        return maps, (time.perf_counter() - t0) / args.rows

    def agreement(maps, values):
        """Mean Spearman on lime's selected features and sign agreement where both are non-zero."""
        rhos, agree, total = [], 0, 0
        for r, m in enumerate(maps):
            for k, feats in m.items():
                idx = list(feats)
                theirs = np.array([feats[j] for j in idx])
                ours = values[r, idx, k]
                if len(idx) > 2 and np.std(ours) > 0:
                    rhos.append(spearmanr(theirs, ours).correlation)
                both = ours != 0
                total += int(both.sum())
                agree += int((np.sign(theirs[both]) == np.sign(ours[both])).sum())
        return float(np.mean(rhos)), agree / max(total, 1)

    lime_maps, lime_s_row = run_lime(0)
    results = {"model": model, "rows": args.rows, "lime_version": importlib.metadata.version("lime"), "lime_seconds_per_row": lime_s_row}
    # The noise floor: lime against itself with another seed.
    other_maps, _ = run_lime(1)
    dense_other = np.zeros((args.rows, test.shape[1], len(labels)))
    for r, m in enumerate(other_maps):
        for k, feats in m.items():
            for j, v in feats.items():
                dense_other[r, j, k] = v
    results["lime_self_spearman"], results["lime_self_sign_agreement"] = agreement(lime_maps, dense_other)
    with tempfile.TemporaryDirectory() as tmp:
        for threads in (1, 2):
            d, wall = run_cli(args.bin, model, train_csv, test_csv, args.rows, threads, pathlib.Path(tmp) / f"t{threads}")
            t = d["meta"]["timings"]
            results[f"ours_seconds_per_row_{threads}t"] = t["explain_seconds"] / args.rows
            results[f"ours_total_seconds_per_row_{threads}t"] = t["total_seconds"] / args.rows
            results[f"ours_wall_seconds_per_row_{threads}t"] = wall / args.rows
            values = np.array(d["values"])
    results["mean_spearman_on_lime_features"], results["sign_agreement_on_shared_features"] = \
        agreement(lime_maps, values)
    for th in (1, 2):
        results[f"speedup_{th}t"] = lime_s_row / results[f"ours_seconds_per_row_{th}t"]
        results[f"speedup_total_{th}t"] = lime_s_row / results[f"ours_total_seconds_per_row_{th}t"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"compare_lime_{args.model}.json").write_text(json.dumps(results, indent=1))
    md = ["| tool | threads | s/row, explaining | speed-up | s/row incl. loading model and data | speed-up |",
          "| --- | --- | --- | --- | --- | --- |",
          f"| lime {results['lime_version']} + onnxruntime | 1 | {lime_s_row:.4f} | 1.0x | – | – |"]
    for th in (1, 2):
        md.append(f"| onnx-inspector --method lime | {th} | {results[f'ours_seconds_per_row_{th}t']:.4f} | "
                  f"{results[f'speedup_{th}t']:.0f}x | {results[f'ours_total_seconds_per_row_{th}t']:.4f} | "
                  f"{results[f'speedup_total_{th}t']:.0f}x |")
    md += ["", f"Agreement ({args.rows} rows of {model}, 5000 samples): mean Spearman "
           f"{results['mean_spearman_on_lime_features']:.3f} on lime's selected features, signs agree on "
           f"{100 * results['sign_agreement_on_shared_features']:.1f}% of shared features. lime against itself "
           f"with another seed: Spearman {results['lime_self_spearman']:.3f}, signs "
           f"{100 * results['lime_self_sign_agreement']:.1f}%."]
    (RESULTS / f"compare_lime_{args.model}.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
