"""Bad input: one clear message naming the column, row, width or option; never a panic."""

import numpy as np
import pytest

import onnx_inspector as oi
from conftest import MODELS, need

BREAST = MODELS / "breast_cancer.onnx"


@pytest.fixture
def df(breast):
    pd = need("pandas", "pandas")
    x, names = breast
    return pd.DataFrame(x[:5], columns=names)


def test_wrong_width_says_the_expected_width(breast):
    x, _ = breast
    with pytest.raises(oi.DataError, match="X: .*29 columns but the model takes 30 values per row"):
        oi.explain(BREAST, x[:3, :29])


def test_missing_and_extra_columns_are_named(df):
    with pytest.raises(oi.DataError, match=r"background: missing column\(s\) \['mean radius'\]"):
        oi.explain(BREAST, df, background=df.drop(columns=["mean radius"]))
    with pytest.raises(oi.DataError, match=r"unexpected column\(s\) \['label'\]"):
        oi.explain(BREAST, df, background=df.assign(label=1.0))
    with pytest.raises(oi.DataError, match=r"X: missing column\(s\) \['nope'\]"):
        oi.explain(BREAST, df, feature_names=[*df.columns[:29], "nope"])


def test_non_numeric_columns_name_column_and_dtype(df):
    bad = df.assign(**{"mean area": ["a", "b", "c", "d", "e"]})
    with pytest.raises(oi.DataError, match="column 'mean area' has dtype (object|str)"):
        oi.explain(BREAST, bad)
    with pytest.raises(oi.DataError, match="column 'mean area' has dtype bool"):
        oi.explain(BREAST, df.assign(**{"mean area": True}))


def test_nan_and_inf_name_row_and_column(df, breast):
    x, names = breast
    y = x[:4].copy()
    y[2, 5] = np.inf
    with pytest.raises(oi.DataError, match=f"X: row 2, column '{names[5]}': inf is not a finite"):
        oi.explain(BREAST, y, feature_names=names)
    d = df.copy()
    d.iloc[3, 1] = np.nan
    with pytest.raises(oi.DataError, match=f"row 3, column '{names[1]}': missing value"):
        oi.explain(BREAST, d)
    bg = x[:6].copy()
    bg[4, 0] = np.nan
    with pytest.raises(oi.DataError, match=f"background: row 4, column '{names[0]}'"):
        oi.explain(BREAST, x[:2], background=bg, feature_names=names)


def test_arrow_nulls_and_types(df):
    pa = need("pyarrow", "arrow")
    t = pa.Table.from_pandas(df)
    col = pa.array([1.0, None, 2.0, 3.0, 4.0])
    with pytest.raises(oi.DataError, match="row 1, column 'mean radius': missing value"):
        oi.explain(BREAST, t.set_column(0, "mean radius", col))
    with pytest.raises(oi.DataError, match="column 'mean radius' has type string"):
        oi.explain(BREAST, t.set_column(0, "mean radius", pa.array(list("abcde"))))


def test_bad_options_are_value_errors(breast):
    x, names = breast
    with pytest.raises(ValueError, match="method: 'fast' is not one of"):
        oi.explain(BREAST, x[:2], method="fast")
    with pytest.raises(ValueError, match="unknown option 'sampels'"):
        oi.explain(BREAST, x[:2], sampels=10)
    with pytest.raises(ValueError, match="samples"):
        oi.explain(BREAST, x[:2], method="kernel", samples=3)
    with pytest.raises(ValueError, match="tolerance"):
        oi.explain(BREAST, x[:2], method="lime", tolerance=0.1)
    with pytest.raises(ValueError, match="sampling: 'x' is not one of"):
        oi.explain(BREAST, x[:2], sampling="x")
    with pytest.raises(ValueError, match="labels: 'no such output' is neither an output name"):
        oi.explain(BREAST, x[:2], labels=["no such output"])
    with pytest.raises(oi.DataError, match="expected a 2-D array"):
        oi.explain(BREAST, x[:2][None])
