#!/usr/bin/env python3
"""Engines side by side, one thread, same run: onnxruntime's own Python API against our
`OnnxModel::predict` with --engine ort / tract / dense / conv, and tract's own loop with its operator
profile (examples/profile_engines.rs).

Usage (from the repo root, after `cargo build --release --features ort --example profile_engines`
and, for the Keras applications, benches/export_applications.py):
    ORT_DYLIB_PATH=.../libonnxruntime.so.1.32.0 /work/venvs/bench/bin/python benches/engines.py
Writes benches/results/engines.json and benches/results/engines.md (engines_<TAG>.* with --tag;
--only keeps the cases whose model path contains that text).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CASES = [
    ("models/ref_dense100.onnx", "models/digits10_test.csv", 1024),
    ("models/cnn_digits8.onnx", "models/digits8_test.csv", 1024),
    ("models/digits32_cnn.onnx", "models/digits32_test.csv", 1024),
    # Keras applications at batch 256 (issue #24's target), rows tiled from the 32 exported ones.
    ("target/app_models/mobilenetv2_96.onnx", "target/app_models/mobilenetv2_96_x32.npy", 256),
    ("target/app_models/efficientnetb0_64.onnx", "target/app_models/efficientnetb0_64_x32.npy", 256),
    ("target/app_models/resnet50_64.onnx", "target/app_models/resnet50_64_x32.npy", 256),
]


def ort_python(model, data, batch, seconds):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([sys.executable, str(REPO / "benches" / "ort_throughput.py"), "--model", model,
                        "--data", data, "--batches", str(batch), "--repeats", "5",
                        "--min-time", str(seconds / 5), "--out-json", f.name],
                       check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        return json.load(open(f.name))["results"][0]["rows_per_second_median"]


def ours(model, batch, seconds):
    out = subprocess.run([str(REPO / "target" / "release" / "examples" / "profile_engines"), model,
                          str(batch), str(seconds)], check=True, cwd=REPO, capture_output=True,
                         text=True).stdout
    rates = {"tract_alone": float(re.search(r"tract alone .*: (\d+) rows/s", out).group(1))}
    for engine, rate in re.findall(r"--engine (\w+): (\d+) rows/s", out):
        rates[engine] = float(rate)
    profile = re.findall(r"^  (\S+)\s+([\d.]+)%\s+(\d+) nodes", out, re.M)
    return rates, [{"op": op, "share": float(s) / 100, "nodes": int(n)} for op, s, n in profile]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--tag", default="", help="suffix of the result files' names")
    ap.add_argument("--only", default="", help="run only the cases whose model path contains this")
    args = ap.parse_args()
    load_start = os.getloadavg()
    rows = []
    for model, data, batch in CASES:
        if args.only not in model:
            continue
        if not (REPO / model).exists():
            print(f"{model}: missing, skipped", file=sys.stderr)
            continue
        py = ort_python(model, data, batch, args.seconds)
        rates, profile = ours(model, batch, args.seconds)
        rows.append({"model": model, "batch": batch, "onnxruntime_python": py, **rates,
                     "tract_profile": profile})
        print(model, batch, py, rates, file=sys.stderr)
    lines = ["Rows/s, one thread, same run (`benches/engines.py`); our engines through "
             "`OnnxModel::predict` (examples/profile_engines.rs).", "",
             "| model | batch | onnxruntime (Python) | ours `--engine ort` | ours `--engine dense` | "
             "ours `--engine conv` | ours `--engine tract` | tract alone (concrete plan) | ort / onnxruntime | "
             "conv / onnxruntime | conv / tract | tract / tract alone |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        f = lambda k: f"{r[k]:,.0f}" if k in r else "—"  # noqa: E731
        ratio = lambda a, b: f"{r[a] / r[b]:.2f}" if a in r and b in r else "—"  # noqa: E731
        lines.append(f"| {r['model']} | {r['batch']} | {f('onnxruntime_python')} | {f('ort')} | {f('dense')} | "
                     f"{f('conv')} | {f('tract')} | {f('tract_alone')} | {ratio('ort', 'onnxruntime_python')} | "
                     f"{ratio('conv', 'onnxruntime_python')} | {ratio('conv', 'tract')} | "
                     f"{ratio('tract', 'tract_alone')} |")
    lines += ["", "tract's operator profile (share of tract's time, top operators):", ""]
    for r in rows:
        top = ", ".join(f"{p['op']} {100 * p['share']:.0f}% ({p['nodes']})" for p in r["tract_profile"][:6])
        lines.append(f"- {r['model']} (batch {r['batch']}): {top}")
    lines.append(f"\nLoad average at start {load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f} "
                 f"({os.cpu_count()} cores, shared: compare ratios within a row).")
    text = "\n".join(lines) + "\n"
    print(text)
    out = REPO / "benches" / "results"
    name = f"engines_{args.tag}" if args.tag else "engines"
    (out / f"{name}.md").write_text(text)
    (out / f"{name}.json").write_text(json.dumps({"results": rows, "load_average": {
        "start": load_start, "end": os.getloadavg()}}, indent=1) + "\n")


if __name__ == "__main__":
    main()
