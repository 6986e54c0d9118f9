"""oi.explain against the CLI (the oracle): same seed and options give bit-identical values."""

import numpy as np
import pytest

import onnx_inspector as oi
from conftest import MODELS, cli_explain, need, read_csv

BREAST = MODELS / "breast_cancer.onnx"
BREAST_CSV = MODELS / "breast_cancer_test.csv"
WINE = MODELS / "wine_keras3.onnx"


def same_as_cli(ours: oi.Explanation, cli: dict) -> None:
    d = ours._d
    assert d["feature_names"] == cli["feature_names"]
    assert d["output_names"] == cli["output_names"]
    assert d["method"] == cli["meta"]["method"]
    assert list(d["row_indices"]) == cli["row_indices"]
    assert np.array_equal(d["values"], np.array(cli["values"]))
    assert np.array_equal(d["base_values"], np.array(cli["base_values"]))
    assert np.array_equal(d["predictions"], np.array(cli["predictions"]))
    if cli["stderr"] is None:
        assert d["stderr"] is None
    else:
        assert np.array_equal(d["stderr"], np.array(cli["stderr"]))


@pytest.mark.parametrize("method, samples", [("permutation", 200), ("kernel", 300),
                                             ("partition", None), ("lime", 500)])
def test_bit_identical_to_cli(tmp_path, breast, method, samples):
    x, names = breast
    flags = ["--method", method, "--seed", "7"]
    if samples is not None:
        flags += ["--samples", str(samples)]
    cli = cli_explain(tmp_path, BREAST, BREAST_CSV, *flags)
    ours = oi.explain(oi.Model(BREAST), x, feature_names=names, method=method, samples=samples,
                      seed=7, result="onnx_inspector")
    same_as_cli(ours, cli)


def test_bit_identical_with_background_file_labels_and_groups(tmp_path):
    x, names = read_csv(MODELS / "wine_test.csv")
    bg, _ = read_csv(MODELS / "wine_train.csv")
    groups = {"acids": ["malic_acid", "ash"], "colour": ["color_intensity", "hue"]}
    gfile = tmp_path / "groups.json"
    import json
    gfile.write_text(json.dumps(groups))
    cli = cli_explain(tmp_path, WINE, MODELS / "wine_test.csv", "--background",
                      str(MODELS / "wine_train.csv"), "--labels", "0,2", "--groups", str(gfile),
                      "--seed", "3")
    ours = oi.explain(WINE, x, background=bg, feature_names=names, labels=[0, 2], groups=groups,
                      seed=3, result="onnx_inspector")
    same_as_cli(ours, cli)
    assert ours.values.shape == (len(x), len(cli["feature_names"]), 2)


def test_background_size_and_threads_do_not_change_values(tmp_path, breast):
    x, names = breast
    cli = cli_explain(tmp_path, BREAST, BREAST_CSV, "--background-size", "20", "--threads", "1",
                      "--method", "kernel", "--samples", "200")
    ours = oi.explain(BREAST, x, background=20, feature_names=names, method="kernel",
                      samples=200, threads=2, result="onnx_inspector")
    same_as_cli(ours, cli)


def test_every_table_kind_gives_the_same_values(breast):
    pd = need("pandas", "pandas")
    pa = need("pyarrow", "arrow")
    x, names = breast
    x = x[:12]
    bg = x[:5]
    base = oi.explain(BREAST, x, background=bg, feature_names=names, result="onnx_inspector",
                      method="permutation", samples=128)
    df = pd.DataFrame(x, columns=names)
    kinds = [
        np.asfortranarray(x),
        x.astype(np.float64),
        df,
        df[names[::-1]][names],
        pa.Table.from_pandas(df),
        pa.RecordBatch.from_pandas(df),
    ]
    for kind in kinds:
        kw = {} if hasattr(kind, "columns") or hasattr(kind, "schema") else {"feature_names": names}
        other = oi.explain(BREAST, kind, background=pd.DataFrame(bg, columns=names)[names[::-1]],
                           result="onnx_inspector", method="permutation", samples=128, **kw)
        assert other.feature_names == names
        assert np.array_equal(other.values, base.values), type(kind)


def test_integer_arrays_are_numbers(breast):
    x = np.arange(2 * 30, dtype=np.int64).reshape(2, 30) % 3
    a = oi.explain(BREAST, x, background=x, result="onnx_inspector")
    b = oi.explain(BREAST, x.astype(np.float32), background=x.astype(np.float32),
                   result="onnx_inspector")
    assert np.array_equal(a.values, b.values)
    assert a.feature_names[:2] == ["x0", "x1"]


def test_efficiency_and_result_tables(breast):
    x, names = breast
    e = oi.explain(BREAST, x[:10], background=x[:20], feature_names=names, method="permutation",
                   samples=200, result="onnx_inspector")
    np.testing.assert_allclose(e.values.sum(axis=1), e.predictions - e.base_values, atol=1e-5)
    assert e.error_std is not None and e.error_std.shape == e.values.shape
    df = e.to_pandas()
    assert list(df.columns) == (["row", "output", "base_value", "prediction", *names]
                                + [f"{n}__stderr" for n in names])
    assert np.array_equal(df[names].to_numpy(), e.values)
    t = e.to_arrow()
    assert t.column_names == list(df.columns)
    assert str(t.schema.field("row").type) == "int64"
    assert str(t.schema.field("output").type) == "string"


def test_shap_explanation_when_shap_imports(breast):
    need("shap", "shap")
    x, names = read_csv(MODELS / "diabetes_test.csv")
    one = oi.explain(MODELS / "diabetes.onnx", x[:4], background=x[:10], feature_names=names,
                     method="exact")
    assert type(one).__module__.startswith("shap")
    assert one.values.shape == (4, 10)
    assert one.base_values.shape == (4,)
    assert one.error_std is None
    assert list(one.feature_names) == names
    wx, wnames = read_csv(MODELS / "wine_test.csv")
    three = oi.explain(WINE, wx[:3], background=wx[:8], feature_names=wnames, method="kernel",
                       samples=200)
    assert three.values.shape == (3, 13, 3)
    assert three.error_std.shape == (3, 13, 3)
    assert list(three.output_names) == oi.Model(WINE).output_names
