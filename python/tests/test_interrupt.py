"""Ctrl-C stops a run between rows with KeyboardInterrupt; the GIL is free while it runs."""

import os
import signal
import threading

import numpy as np
import pytest

import onnx_inspector as oi
from conftest import MODELS

BREAST = MODELS / "breast_cancer.onnx"


def long_run(breast, progress):
    x, names = breast
    rows = np.repeat(x, 20, axis=0)  # 2280 rows: many seconds of kernel SHAP
    return oi.explain(BREAST, rows, background=x[:100], feature_names=names, method="kernel",
                      samples=4000, threads=1, progress=progress, result="onnx_inspector")


def test_sigint_stops_the_run_between_rows(breast):
    seen = []

    def progress(done, total):
        seen.append((done, total))
        if done > 0 and not any(d for d, _ in seen[:-1]):
            os.kill(os.getpid(), signal.SIGINT)  # once, as soon as rows are being explained

    with pytest.raises(KeyboardInterrupt):
        long_run(breast, progress)
    done, total = seen[-1]
    assert total == 2280
    assert 0 < done < total, seen[-1]


def test_other_threads_run_while_explaining(breast):
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.01)

    def progress(done, total):
        if done >= 30:
            raise RuntimeError("enough")

    t = threading.Thread(target=count)
    t.start()
    try:
        with pytest.raises(RuntimeError, match="enough"):
            long_run(breast, progress)
    finally:
        stop.set()
        t.join()
    # The counting thread held the GIL many times while the rows were explained.
    assert len(ticks) > 5
