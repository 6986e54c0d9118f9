"""Models with several graph inputs: a dict {input name: array} is flattened in the graph's
input order, giving the same values as the flat rows; a missing or extra key is named."""

import numpy as np
import pytest

import onnx_inspector as oi

from conftest import MODELS

WIDE = str(MODELS / "wide_deep_wine.onnx")


def _rows():
    x = np.loadtxt(MODELS / "wide_deep_test.csv", delimiter=",", skiprows=1, dtype=np.float32)
    return x[:4], {"num": x[:4, :13], "cat": x[:4, 13:].astype(np.int32)}


def test_layout_and_dict_predictions_equal_flat_rows():
    model = oi.Model(WIDE)
    assert [(n, t, s, a, b) for n, t, s, a, b in model.input_layout] == [
        ("num", "float32", [13], 0, 13), ("cat", "int32", [1], 13, 14)]
    flat, by_input = _rows()
    np.testing.assert_array_equal(model.predict(by_input), model.predict(flat))


def test_dict_explain_with_groups_inputs():
    flat, by_input = _rows()
    e = oi.explain(WIDE, by_input, background={"num": flat[:, :13], "cat": flat[:, 13:]},
                   method="exact", groups="inputs", result="onnx_inspector")
    assert list(e.feature_names) == ["num", "cat"]
    f = oi.explain(WIDE, flat, background=flat, method="exact", groups="inputs",
                   result="onnx_inspector")
    np.testing.assert_allclose(e.values, f.values)


def test_missing_or_extra_key_is_named():
    _, by_input = _rows()
    with pytest.raises(oi.DataError, match=r"missing input\(s\) \['cat'\]"):
        oi.Model(WIDE).predict({"num": by_input["num"]})
    with pytest.raises(oi.DataError, match=r"unknown input\(s\) \['extra'\]"):
        oi.Model(WIDE).predict({**by_input, "extra": by_input["cat"]})
