"""Naive byte mutation of the zoo models through the release CLI (`onnx-inspector info`), the way
issue 10 found its tract panics; keeps one input per distinct guarded-panic or crash message.

Usage (repository root, after `cargo build --release`):
    nice -n 15 python3 fuzz/naive_mutate.py <seconds>   # inputs land in fuzz/artifacts/naive/
"""

import glob
import hashlib
import os
import random
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXE = os.path.join(ROOT, "target", "release", "onnx-inspector")
OUT = os.path.join(ROOT, "fuzz", "artifacts", "naive")


def mutate(data, rng):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] = rng.choice([rng.randrange(256), b[i] ^ (1 << rng.randrange(8)), 0, 0xFF])
    return bytes(b)


def main():
    budget = float(sys.argv[1])
    rng = random.Random(10)
    seeds = [open(p, "rb").read() for p in sorted(glob.glob(os.path.join(ROOT, "models", "*.onnx")))
             if os.path.getsize(p) < 10000]
    os.makedirs(OUT, exist_ok=True)
    path = "/dev/shm/onnx-inspector-naive-%d.onnx" % os.getpid()
    seen, runs, t0 = set(), 0, time.time()
    while time.time() - t0 < budget:
        data = mutate(rng.choice(seeds), rng)
        with open(path, "wb") as f:
            f.write(data)
        runs += 1
        try:
            r = subprocess.run([EXE, "info", path], capture_output=True, text=True, timeout=30)
            code, err = r.returncode, r.stderr.strip()
        except subprocess.TimeoutExpired:
            code, err = -1, "timeout after 30 s"
        bad = code not in (0, 1) or "tract panicked" in err or err.count("\n") > 0
        if bad:
            key = re.sub(r"[0-9]+", "N", err.split(path)[-1])[:200] + str(code)
            if key not in seen:
                seen.add(key)
                name = hashlib.sha1(data).hexdigest()[:16]
                open(os.path.join(OUT, name + ".onnx"), "wb").write(data)
                open(os.path.join(OUT, name + ".txt"), "w").write("exit %d: %s\n" % (code, err))
                print("exit", code, err[:300], flush=True)
    os.remove(path)
    print("runs", runs, "distinct findings", len(seen))


if __name__ == "__main__":
    main()
