"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (standard library only).

Usage (from the repository root, after `cargo build --release`):
    python3 fuzz/make_seeds.py
"""

import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy(descr, shape, values, fortran=False, version=1):
    """A .npy file: magic, version, padded header dict, raw little/big-endian values."""
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr,
        "True" if fortran else "False",
        "(" + "".join("%d, " % s for s in shape).rstrip(" ") + ")" if len(shape) != 1 else "(%d,)" % shape[0],
    )
    size_len = 2 if version == 1 else 4
    pad = 64 - (10 + size_len - 2 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    magic = b"\x93NUMPY" + bytes([version, 0])
    size = struct.pack("<H" if version == 1 else "<I", len(header))
    fmt = {"<f4": "<f", "<f8": "<d", ">f4": ">f", ">f8": ">d", "<i8": "<q", "|u1": "<B"}[descr]
    body = b"".join(struct.pack(fmt, v) for v in values)
    return magic + size + header.encode("latin1") + body


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    # ONNX: zoo models and fixtures (valid and malformed).
    for p in glob.glob(os.path.join(ROOT, "models", "*.onnx")) + glob.glob(
        os.path.join(ROOT, "tests", "fixtures", "**", "*.onnx"), recursive=True
    ):
        put("onnx", os.path.basename(p), open(p, "rb").read())
    # CSV: the first lines of every data file, plus the malformed fixtures.
    for p in glob.glob(os.path.join(ROOT, "models", "*.csv")):
        with open(p, "rb") as f:
            put("csv", os.path.basename(p), b"".join(f.readline() for _ in range(4)))
    for p in glob.glob(os.path.join(ROOT, "tests", "fixtures", "**", "*.csv"), recursive=True):
        put("csv", "fixture_" + os.path.basename(p), open(p, "rb").read())
    put("csv", "quoted.csv", b'"a b","c,d"\n1,"2"\n-3e-2, 4\n')
    # NPY: float32/float64 2-D arrays, other dtypes, ranks and layouts.
    vals = [0.5, -1.0, 2.0, 3.25, -4.0, 1e-3]
    put("npy", "f4_2x3.npy", npy("<f4", (2, 3), vals))
    put("npy", "f8_3x2.npy", npy("<f8", (3, 2), vals))
    put("npy", "f8_fortran.npy", npy("<f8", (2, 3), vals, fortran=True))
    put("npy", "f4_big_endian.npy", npy(">f4", (3, 2), vals))
    put("npy", "f4_v2.npy", npy("<f4", (1, 6), vals, version=2))
    put("npy", "f4_1d.npy", npy("<f4", (6,), vals))
    put("npy", "f4_3d.npy", npy("<f4", (1, 2, 3), vals))
    put("npy", "i8_2x3.npy", npy("<i8", (2, 3), [1, 2, 3, 4, 5, 6]))
    put("npy", "f4_0x3.npy", npy("<f4", (0, 3), []))
    # JSON: explanations.json written by the release binary (kernel SHAP, exact SHAP, LIME).
    exe = os.path.join(ROOT, "target", "release", "onnx-inspector")
    runs = {
        "kernel": ["--method", "kernel", "--samples", "200"],
        "exact": ["--method", "exact"],
        "lime": ["--method", "lime", "--samples", "200"],
    }
    for name, extra in runs.items():
        with tempfile.TemporaryDirectory() as out:
            model, data = "breast_cancer.onnx", "breast_cancer_test.csv"
            if name == "exact":
                model, data = "wine_keras3.onnx", "wine_test.csv"
            cmd = [exe, "explain", os.path.join(ROOT, "models", model), "--data",
                   os.path.join(ROOT, "models", data), "--rows", "0:2", "--no-charts",
                   "--out", out] + extra
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                print("seed %s skipped: %s" % (name, r.stderr.strip()), file=sys.stderr)
                continue
            put("json", name + ".json", open(os.path.join(out, "explanations.json"), "rb").read())
    for t in sorted(os.listdir(CORPUS)):
        print(t, len(os.listdir(os.path.join(CORPUS, t))), "seeds")


if __name__ == "__main__":
    main()
