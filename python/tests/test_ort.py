"""engine="auto" finds onnxruntime's library through a pip-installed `onnxruntime` package.

Each case runs in a fresh Python process (the library is loaded once per process). The
library comes from ONNX_INSPECTOR_ORT_LIB (.ci/python.sh points it at a pinned pip
onnxruntime); a stand-in `onnxruntime` package on PYTHONPATH holds it in `capi/` as the wheel
does, so what is tested is the lookup through the package, not the environment variable."""

import json
import os
import subprocess
import sys

import pytest

from conftest import MODELS, REQUIRED

LIB = os.environ.get("ONNX_INSPECTOR_ORT_LIB")
if not LIB and "ort" in REQUIRED:
    raise RuntimeError("ONNX_INSPECTOR_ORT_LIB is not set, and the ort tests are required")
pytestmark = pytest.mark.skipif(not LIB, reason="no onnxruntime library (ONNX_INSPECTOR_ORT_LIB)")

SCRIPT = """
import json, sys
import numpy as np
import onnx_inspector as oi
from conftest import MODELS, read_csv
m = oi.Model(MODELS / "breast_cancer.onnx", engine=sys.argv[1])
x, _ = read_csv(MODELS / "breast_cancer_test.csv")
keras, _ = read_csv(MODELS / "breast_cancer_keras_pred.csv")
print(json.dumps({"engine": m.info()["engine"],
                  "err": float(np.abs(m.predict(x) - keras).max())}))
"""


def run(engine, tmp_path, with_package):
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DYLIB_PATH", "VIRTUAL_ENV")}
    paths = [os.path.dirname(__file__)]
    if with_package:
        capi = tmp_path / "site" / "onnxruntime" / "capi"
        capi.mkdir(parents=True)
        (capi.parent / "__init__.py").write_text("raise ImportError('a stand-in: not imported')\n")
        os.symlink(LIB, capi / os.path.basename(LIB))
        paths.insert(0, str(tmp_path / "site"))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    out = subprocess.run([sys.executable, "-c", SCRIPT, engine], env=env, text=True,
                         capture_output=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_auto_uses_the_pip_onnxruntime_and_says_where_from(tmp_path):
    got = run("auto", tmp_path, with_package=True)
    assert got["engine"].startswith("onnxruntime"), got
    assert str(tmp_path / "site" / "onnxruntime" / "capi") in got["engine"], got
    assert got["err"] < 1e-4


def test_ort_by_name_and_the_builtin_engines_without_it(tmp_path):
    assert run("ort", tmp_path, with_package=True)["engine"].startswith("onnxruntime")
    # No onnxruntime package importable: auto keeps to the built-in engines.
    got = run("auto", tmp_path / "none", with_package=False)
    assert "dense" in got["engine"] and got["err"] < 1e-4, got
