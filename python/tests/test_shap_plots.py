"""shap's own plots work on the returned shap.Explanation, headless (matplotlib Agg)."""

import pytest

import onnx_inspector as oi
from conftest import MODELS, need, read_csv


@pytest.fixture(autouse=True)
def agg():
    mpl = need("matplotlib", "shap")
    mpl.use("Agg")


def png_of(fig, tmp_path, name):
    path = tmp_path / name
    fig.savefig(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    return data


@pytest.mark.parametrize("model, csv", [("breast_cancer.onnx", "breast_cancer_test.csv"),
                                        ("wine_keras3.onnx", "wine_test.csv")])
def test_waterfall_and_beeswarm(tmp_path, model, csv):
    shap = need("shap", "shap")
    import matplotlib.pyplot as plt

    x, names = read_csv(MODELS / csv)
    e = oi.explain(MODELS / model, x[:20], background=x[:30], feature_names=names,
                   method="permutation", samples=200)
    assert isinstance(e, shap.Explanation)
    one = e[0] if e.values.ndim == 2 else e[0, :, 1]
    shap.plots.waterfall(one, show=False)
    png_of(plt.gcf(), tmp_path, "waterfall.png")
    plt.close("all")
    many = e if e.values.ndim == 2 else e[:, :, 1]
    shap.plots.beeswarm(many, show=False)
    png_of(plt.gcf(), tmp_path, "beeswarm.png")
    plt.close("all")
