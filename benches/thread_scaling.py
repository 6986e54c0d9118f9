#!/usr/bin/env python3
"""Two-thread scaling of `explain` on the reference net, and this machine's own ceiling.

Alternates one-thread and two-thread runs of the same job (permutation SHAP, `--samples` S, test
digits 0..ROWS-1, the 50 background rows of shap_default_vs_ours.py) REPEATS times and prints the
median explain time per row (`meta.timings.explain_seconds`) of each and their ratio. The ceiling:
two one-thread processes started together do twice the rows of one in the slower one's time.

Usage from the repo root (only the Python standard library):
    python3 benches/thread_scaling.py ROWS [REPEATS] [SAMPLES]
"""
import csv, json, os, statistics, subprocess, sys, tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BIN", REPO + "/target/release/onnx-inspector")
ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 7
SAMPLES = sys.argv[3] if len(sys.argv) > 3 else "500"
WORK = tempfile.mkdtemp(prefix="thread_scaling_")

with open(REPO + "/models/digits10_train.csv") as f:
    rows = list(csv.reader(f))
header, train = rows[0], rows[1:]
step = max(1, len(train) // 50)
bg = os.path.join(WORK, "bg.csv")
with open(bg, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(header)
    w.writerows(train[::step][:50])


def start(threads):
    out = tempfile.mkdtemp(dir=WORK)
    cmd = [BIN, "explain", REPO + "/models/ref_dense100.onnx", "--data",
           REPO + "/models/digits10_test.csv", "--background", bg, "--rows", f"0:{ROWS}",
           "--method", "permutation", "--samples", SAMPLES, "--threads", str(threads),
           "--no-charts", "--quiet", "--out", out]
    return subprocess.Popen(cmd), out


def finish(started):
    p, out = started
    assert p.wait() == 0
    with open(out + "/explanations.json") as f:
        return json.load(f)["meta"]["timings"]["explain_seconds"] / ROWS


one, two, ceiling = [], [], []
for _ in range(REPEATS):
    one.append(finish(start(1)))
    two.append(finish(start(2)))
    pair = [finish(p) for p in [start(1), start(1)]]
    ceiling.append(2 * one[-1] / max(pair))
med = statistics.median
print(f"{ROWS} rows, --samples {SAMPLES}, {REPEATS} alternating repeats, medians")
print(f"one thread {med(one) * 1e3:.3f} ms/row, two threads {med(two) * 1e3:.3f} ms/row: "
      f"{med(one) / med(two):.2f}x (per repeat {[round(a / b, 2) for a, b in zip(one, two)]})")
print(f"two one-thread processes at once: {med(ceiling):.2f}x one alone "
      f"(per repeat {[round(c, 2) for c in ceiling]})")
