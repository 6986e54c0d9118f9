#!/usr/bin/env python3
"""Partition SHAP side by side: shap's PartitionExplainer vs `onnx-inspector explain --method partition`.

Both tools explain the same images of the same ONNX model (shap through onnxruntime) with the
same number of model evaluations per image (shap's `max_evals`, which counts v(empty) and v(all);
our `--samples` counts the same way), and the script reports:

* seconds per image: shap's explain call (after a warm-up image, so numba's JIT is not counted)
  and our CLI process's wall time (model load included) and its `meta.timings.explain_seconds`;
* the deletion curve of each explanation: the image's patches (`--patch` x `--patch` pixels, all
  channels) are ranked by their summed attribution to the explained class (the model's top class
  on the image), hidden in that order, and the class's output is recorded after each step; the
  area under that curve (x from 0 to 1) is averaged over images. Lower is better. A hidden pixel
  takes the masker's value, the same for both tools and for the curve: shap's
  `cv2.blur(image, (kh, kw))` for `--masker blur(kh,kw)`, or the mean image of `--data` for
  `--masker mean`. A random ranking's AUC (mean of 10 seeded orders) is reported as a yardstick.

Our CLI gets the mean image as a one-row `--background` for `--masker mean` (the same game as
shap's `maskers.Image(mean_image)`); for blur it needs the blur mask of the image layer, passed
through `--ours-extra` (e.g. `--ours-extra "--mask blur --patch 4"`). Our attributions may be
per value or per patch (row-major patches of `--ours-patch` pixels, default `--patch`, shared
equally by their values).

Usage (repo root, after `cargo build --release`; venv from benches/requirements-partition.txt):
    /work/venvs/bench/bin/python benches/compare_partition.py --model models/cnn_digits8.onnx \
        --data models/digits8_test.csv --image-shape 8x8x1 --patch 1 --evals 500 --masker mean
Results: benches/results/compare_partition_<model>_<evals>[_<tag>].{json,md}.
"""
from __future__ import annotations

import os

_ORIG_ENV = dict(os.environ)
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

warnings.filterwarnings("ignore")
import shap  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default="target/release/onnx-inspector")
    p.add_argument("--model", default="models/cnn_digits8.onnx")
    p.add_argument("--data", default="models/digits8_test.csv", help="CSV with a header, one flattened image a row")
    p.add_argument("--image-shape", default="8x8x1", help="HxWxC, the row's order (NHWC models)")
    p.add_argument("--patch", type=int, default=1, help="patch side in pixels for the deletion curve")
    p.add_argument("--evals", type=int, default=500, help="model evaluations per image for both tools")
    p.add_argument("--masker", default="mean", help="mean | blur(kh,kw)")
    p.add_argument("--rows", type=int, default=20, help="explain images 0..rows-1")
    p.add_argument("--warmup-row", type=int, default=-1, help="image for shap's warm-up (default: the last)")
    p.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads and our --threads")
    p.add_argument("--ours-extra", default="", help="more flags for our explain (quoted)")
    p.add_argument("--out", default="benches/results", help="folder for the json and md")
    p.add_argument("--ours-patch", type=int, default=0,
                   help="side of our players when --ours-extra gives --patch Q (default: --patch)")
    p.add_argument("--tag", default="", help="suffix of the result files' names (e.g. the engine)")
    return p.parse_args()


def load_csv(path: str) -> tuple[list[str], np.ndarray]:
    with open(path) as f:
        header = f.readline().strip().split(",")
    return header, np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)


def auc(curve: np.ndarray) -> float:
    """Area under a curve sampled at x = 0, 1/n, ..., 1 (trapezoids)."""
    n = len(curve) - 1
    return float((curve[:-1] + curve[1:]).sum() / (2 * n))


class Setup:
    """Model, images and masking shared by both tools and the deletion curve."""

    def __init__(self, a: argparse.Namespace):
        self.shape = tuple(int(v) for v in a.image_shape.lower().split("x"))
        if len(self.shape) != 3:
            sys.exit(f"--image-shape {a.image_shape}: expected HxWxC")
        self.header, data = load_csv(a.data)
        if data.shape[1] != np.prod(self.shape):
            sys.exit(f"{a.data}: {data.shape[1]} columns, --image-shape needs {np.prod(self.shape)}")
        self.data = data
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
        inp = self.sess.get_inputs()[0]
        self.input_name = inp.name
        self.input_shape = [d if isinstance(d, int) else -1 for d in inp.shape]
        self.masker_spec = a.masker
        self.mean_image = data.mean(axis=0)
        if a.masker.startswith("blur("):
            self.blur = tuple(int(v) for v in a.masker[5:-1].split(","))
        elif a.masker == "mean":
            self.blur = None
        else:
            sys.exit(f"--masker {a.masker}: expected mean or blur(kh,kw)")
        self.patch_of, self.n_patches = self.patches(a.patch)
        self.ours_patch_of, self.ours_n_patches = self.patches(a.ours_patch or a.patch)

    def patches(self, p: int) -> tuple[np.ndarray, int]:
        """Each value's row-major patch of p x p pixels (all channels), and the patch count."""
        h, w, c = self.shape
        ph, pw = -(-h // p), -(-w // p)
        pixel_patch = (np.arange(h)[:, None] // p) * pw + (np.arange(w)[None, :] // p)
        return np.repeat(pixel_patch[:, :, None], c, axis=2).ravel(), ph * pw

    def to_pixels(self, values: np.ndarray, who: str) -> np.ndarray:
        """[n, pixels, K] attributions from per-pixel ones, or from per-patch ones (patches in
        row-major order, as `--patch` numbers them) shared equally by their pixels."""
        if values.shape[1] == len(self.patch_of):
            return values
        if values.shape[1] == self.ours_n_patches:
            of = self.ours_patch_of
            size = np.bincount(of, minlength=self.ours_n_patches)
            return values[:, of, :] / size[of][None, :, None]
        sys.exit(f"{who}: {values.shape[1]} attributions per output, expected {len(self.patch_of)} "
                 f"values or {self.ours_n_patches} patches (--ours-patch)")

    def f(self, x: np.ndarray) -> np.ndarray:
        """Model outputs of flat or shaped images."""
        x = np.asarray(x, dtype=np.float32).reshape(-1, *self.input_shape[1:])
        return self.sess.run(None, {self.input_name: x})[0]

    def hidden_value(self, x: np.ndarray) -> np.ndarray:
        """What a hidden pixel of image x (flat) becomes."""
        if self.blur is None:
            return self.mean_image
        return cv2.blur(x.reshape(self.shape), self.blur).ravel()

    def deletion(self, x: np.ndarray, phi_c: np.ndarray, c: int, order: np.ndarray | None = None) -> np.ndarray:
        """Class c's output as the patches are hidden by decreasing summed phi (or in `order`)."""
        if order is None:
            score = np.bincount(self.patch_of, weights=phi_c, minlength=self.n_patches)
            order = np.argsort(-score, kind="stable")
        hidden = self.hidden_value(x)
        steps = np.repeat(x[None, :], self.n_patches + 1, axis=0)
        hide = np.zeros(x.shape, dtype=bool)
        for k, patch in enumerate(order, start=1):
            hide |= self.patch_of == patch
            steps[k, hide] = hidden[hide]
        return self.f(steps)[:, c]


def run_shap(s: Setup, a: argparse.Namespace, rows: np.ndarray, warm: np.ndarray) -> tuple[np.ndarray, float, int]:
    mask_value = s.masker_spec if s.blur is not None else s.mean_image.reshape(s.shape)
    masker = shap.maskers.Image(mask_value, s.shape)
    explainer = shap.explainers.Partition(s.f, masker)
    explainer(warm.reshape(1, *s.shape), max_evals=a.evals, silent=True)
    t0 = time.perf_counter()
    e = explainer(rows.reshape(-1, *s.shape), max_evals=a.evals, silent=True)
    seconds = time.perf_counter() - t0
    values = np.asarray(e.values).reshape(len(rows), -1, e.values.shape[-1])
    return values, seconds, int(getattr(explainer, "last_eval_count", -1)) + 2


def run_ours(s: Setup, a: argparse.Namespace, n: int) -> tuple[np.ndarray, float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [
            a.bin, "explain", a.model, "--data", a.data, "--rows", f"0:{n}",
            "--method", "partition", "--samples", str(a.evals), "--threads", str(a.threads),
            "--no-charts", "--quiet", "--out", str(out),
        ]
        if s.blur is None:
            bg = Path(tmp) / "mean.csv"
            bg.write_text(",".join(s.header) + "\n" + ",".join(repr(float(v)) for v in s.mean_image) + "\n")
            cmd += ["--background", str(bg)]
        elif "--mask" not in a.ours_extra:
            sys.exit("--masker blur: our CLI needs its blur mask, e.g. --ours-extra '--mask blur'")
        cmd += shlex.split(a.ours_extra)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=_ORIG_ENV)
        wall = time.perf_counter() - t0
        d = json.loads((out / "explanations.json").read_text())
    return np.asarray(d["values"], dtype=np.float64), wall, d["meta"]


def main() -> None:
    a = parse_args()
    s = Setup(a)
    n = min(a.rows, len(s.data))
    rows = s.data[:n]
    warm = s.data[a.warmup_row]
    load0 = os.getloadavg()[0]
    shap_values, shap_s, shap_evals = run_shap(s, a, rows, warm)
    ours_values, ours_wall, meta = run_ours(s, a, n)
    ours_values = s.to_pixels(ours_values, "our explanations.json")
    load1 = os.getloadavg()[0]

    preds = s.f(rows)
    rng = np.random.default_rng(0)
    per_image = []
    for i in range(n):
        c = int(np.argmax(preds[i]))
        rnd = np.mean([auc(s.deletion(rows[i], None, c, rng.permutation(s.n_patches))) for _ in range(10)])
        per_image.append({
            "row": i, "class": c, "f_x": float(preds[i, c]),
            "auc_shap": auc(s.deletion(rows[i], shap_values[i, :, c], c)),
            "auc_ours": auc(s.deletion(rows[i], ours_values[i, :, c], c)),
            "auc_random": float(rnd),
        })
    mean = lambda k: float(np.mean([r[k] for r in per_image]))  # noqa: E731
    ours_explain = meta["timings"]["explain_seconds"]
    result = {
        "model": a.model, "data": a.data, "image_shape": s.shape, "patch": a.patch,
        "n_patches": s.n_patches, "masker": a.masker, "evals": a.evals, "images": n,
        "threads": a.threads, "ours_extra": a.ours_extra,
        "shap_version": shap.__version__, "onnxruntime_version": ort.__version__,
        "python": platform.python_version(), "load_average_start_end": [load0, load1],
        "shap_seconds_per_image": shap_s / n,
        "shap_evals_last_image": shap_evals,
        "ours_wall_seconds_per_image": ours_wall / n,
        "ours_explain_seconds_per_image": ours_explain / n,
        "ours_evaluations_per_image": [e + 2 for e in meta["evaluations_per_row"]],
        "ours_engine": meta.get("engine"),
        "deletion_auc_shap": mean("auc_shap"),
        "deletion_auc_ours": mean("auc_ours"),
        "deletion_auc_random": mean("auc_random"),
        "rel_l2_ours_vs_shap": float(np.linalg.norm(ours_values - shap_values) / np.linalg.norm(shap_values)),
        "per_image": per_image,
    }
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"compare_partition_{Path(a.model).stem}_{a.evals}" + (f"_{a.tag}" if a.tag else "")
    (out / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
    md = [
        f"# Partition SHAP: shap {shap.__version__} vs onnx-inspector",
        "",
        f"`{a.model}`, images 0..{n - 1} of `{a.data}` ({a.image_shape}), masker `{a.masker}`, "
        f"{a.evals} evaluations per image, {a.threads} threads, deletion over {s.n_patches} patches of "
        f"{a.patch}x{a.patch} px. Load average {load0:.2f} at start, {load1:.2f} at end (timings are noisy "
        "on a shared machine; both tools ran back to back in the same run).",
        "",
        "| tool | s/image | deletion AUC (lower is better) |",
        "|---|---|---|",
        f"| shap PartitionExplainer (onnxruntime) | {shap_s / n:.4f} | {result['deletion_auc_shap']:.4f} |",
        f"| onnx-inspector --method partition, process wall | {ours_wall / n:.4f} | {result['deletion_auc_ours']:.4f} |",
        f"| onnx-inspector, explain_seconds | {ours_explain / n:.4f} | |",
        f"| random patch order (10 orders) | | {result['deletion_auc_random']:.4f} |",
        "",
        f"Time ratio shap / ours (process wall): {shap_s / ours_wall:.1f}x. "
        f"Attributions: ||ours - shap|| / ||shap|| = {result['rel_l2_ours_vs_shap']:.2e} (all images, pixels, outputs).",
        "",
    ]
    (out / f"{stem}.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
