"""Wall time and test accuracy of the 10-epoch reference recipe: Keras vs `onnx-inspector train`.

    /work/venv-zoo/bin/python benches/compare_keras_train.py --bin target/release/onnx-inspector

Keras: Sequential([Dense(64, relu, input_dim=100), Dense(10, softmax)]), adam, categorical
cross-entropy, fit(epochs=10, batch_size=32) on models/digits10_train.csv, CPU, timed around
fit() only (graph building excluded). Ours: the same recipe through the CLI, timed as a whole
process (data loading and ONNX export included). Writes benches/results/compare_keras_train.{json,md}.
Uses the zoo's venv (models/requirements.txt).
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import tempfile
import time

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import tensorflow as tf  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
RESULTS = ROOT / "benches" / "results"


def keras_run(x, y, xt, yt, seed):
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(64, activation="relu", input_dim=100),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    t0 = time.perf_counter()
    model.fit(x, tf.keras.utils.to_categorical(y, 10), epochs=10, batch_size=32, verbose=0)
    seconds = time.perf_counter() - t0
    acc = float(np.mean(np.argmax(model.predict(xt, verbose=0), axis=1) == yt))
    return seconds, acc


def ours_run(binary, seed, out):
    cmd = [binary, "train", "--data", str(MODELS / "digits10_train.csv"),
           "--labels", str(MODELS / "digits10_train_labels.csv"),
           "--test-data", str(MODELS / "digits10_test.csv"), "--test-labels", str(MODELS / "digits10_test_labels.csv"),
           "--seed", str(seed), "--out", str(out)]
    t0 = time.perf_counter()
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - t0
    acc = float(re.search(r"test accuracy: ([0-9.]+)", text).group(1))
    return seconds, acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/onnx-inspector")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    def load(name):
        return np.loadtxt(MODELS / name, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)

    x, xt = load("digits10_train.csv"), load("digits10_test.csv")
    y = load("digits10_train_labels.csv")[:, 0].astype(int)
    yt = load("digits10_test_labels.csv")[:, 0].astype(int)
    keras, ours = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            keras.append(keras_run(x, y, xt, yt, seed))
            ours.append(ours_run(args.bin, seed, pathlib.Path(tmp) / f"m{seed}.onnx"))
    k_s, k_acc = np.median([r[0] for r in keras]), np.mean([r[1] for r in keras])
    o_s, o_acc = np.median([r[0] for r in ours]), np.mean([r[1] for r in ours])
    res = {"tensorflow": tf.__version__, "seeds": args.seeds, "keras_fit_seconds_median": float(k_s),
           "keras_test_accuracy_mean": float(k_acc), "ours_process_seconds_median": float(o_s),
           "ours_test_accuracy_mean": float(o_acc), "speedup": float(k_s / o_s),
           "keras_runs": keras, "ours_runs": ours}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "compare_keras_train.json").write_text(json.dumps(res, indent=1))
    md = ["| trainer | 10 epochs, batch 32 (s, median) | test accuracy (mean over seeds) |", "| --- | --- | --- |",
          f"| Keras (TF {tf.__version__}, CPU), fit() only | {k_s:.3f} | {k_acc:.4f} |",
          f"| onnx-inspector train (whole process, export included) | {o_s:.3f} | {o_acc:.4f} |",
          "", f"Speed-up {k_s / o_s:.0f}x over {args.seeds} seeds."]
    (RESULTS / "compare_keras_train.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
