"""Shared helpers: the repository's bundled models and CSVs, and the CLI binary as the oracle."""

import csv
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
BIN = Path(os.environ.get("ONNX_INSPECTOR_BIN", ROOT / "target" / "release" / "onnx-inspector"))
# Extras whose tests must run (CI sets "spark,ray"): a missing package then fails instead of skipping.
REQUIRED = set(filter(None, os.environ.get("ONNX_INSPECTOR_REQUIRE", "").split(",")))


def need(module: str, extra: str):
    """Imports `module`, skipping the test when it is missing unless `extra` is required."""
    if extra in REQUIRED:
        return __import__(module)
    return pytest.importorskip(module)


def read_csv(path: Path):
    """A CSV with a header as (float32 rows, names), parsed as the CLI does (f64, then f32)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    values = np.array([[float(c) for c in r] for r in rows[1:]], dtype=np.float64)
    return values.astype(np.float32), [c.strip() for c in rows[0]]


def write_csv(path: Path, x: np.ndarray, names) -> None:
    """Rows written so that the CLI reads back the same float32 values."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for r in x:
            w.writerow([repr(float(v)) for v in r])


def cli_explain(tmp_path: Path, model: Path, data: Path, *flags: str) -> dict:
    """Runs `onnx-inspector explain` and returns its explanations.json."""
    if not BIN.exists():
        pytest.fail(f"{BIN} not found: run `cargo build --release` first")
    out = tmp_path / "cli"
    subprocess.run([str(BIN), "explain", str(model), "--data", str(data), "--quiet",
                    "--no-charts", "--out", str(out), *flags], check=True)
    return json.loads((out / "explanations.json").read_text())


@pytest.fixture(scope="session")
def breast():
    return read_csv(MODELS / "breast_cancer_test.csv")


@pytest.fixture(scope="session")
def model():
    import onnx_inspector as oi

    return oi.Model(MODELS / "breast_cancer.onnx")
