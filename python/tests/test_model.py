"""oi.Model: names, width, info, predictions."""

import numpy as np
import pytest

import onnx_inspector as oi
from conftest import MODELS, read_csv


def test_model_describes_itself(model):
    info = model.info()
    assert model.n_features == 30
    assert model.input_names == [t["name"] for t in info["inputs"]]
    assert model.output_names == info["output_columns"]
    assert "dense" in info["engine"]  # the fast path, verified against tract
    assert info["n_features"] == 30


def test_predict_matches_keras(model):
    x, _ = read_csv(MODELS / "breast_cancer_test.csv")
    keras, _ = read_csv(MODELS / "breast_cancer_keras_pred.csv")
    y = model.predict(x)
    assert y.shape == keras.shape
    np.testing.assert_allclose(y, keras, atol=1e-4)


def test_output_names_and_engine_choice():
    m = oi.Model(MODELS / "breast_cancer.onnx", engine="tract", output_names=["malignant"])
    assert m.output_names == ["malignant"]
    assert m.info()["engine"].startswith("tract")


def test_bad_model_and_engine(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(oi.ModelError, match="bad.onnx"):
        oi.Model(bad)
    with pytest.raises(ValueError, match="engine: 'fast' is not one of"):
        oi.Model(MODELS / "breast_cancer.onnx", engine="fast")
    with pytest.raises(OSError, match="missing.onnx"):
        oi.Model(tmp_path / "missing.onnx")
