"""oi.plots: the library's charts as PNG bytes or files, from either kind of result."""

import pytest

import onnx_inspector as oi
import onnx_inspector.plots as oip
from conftest import MODELS, read_csv

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def wine():
    x, names = read_csv(MODELS / "wine_test.csv")
    return oi.explain(MODELS / "wine_keras3.onnx", x[:12], background=x[:20], feature_names=names,
                      method="permutation", samples=100, result="onnx_inspector")


def test_png_bytes_for_every_chart(wine):
    for chart in (oip.waterfall(wine, row=3), oip.bar(wine, row=1, output=2),
                  oip.global_bar(wine), oip.beeswarm(wine, output=wine.output_names[0])):
        assert chart.startswith(PNG) and len(chart) > 5000
        assert chart._repr_png_() == bytes(chart)


def test_files_by_extension(wine, tmp_path):
    svg = oip.waterfall(wine, row=0, path=tmp_path / "w.svg")
    assert open(svg).read().lstrip().startswith("<svg")
    png = oip.beeswarm(wine, path=tmp_path / "b.png")
    assert open(png, "rb").read().startswith(PNG)


def test_shap_result_and_bad_arguments(tmp_path):
    pytest.importorskip("shap")
    x, names = read_csv(MODELS / "breast_cancer_test.csv")
    e = oi.explain(MODELS / "breast_cancer.onnx", x[:5], background=x[:10], feature_names=names)
    assert oip.waterfall(e, row=4).startswith(PNG)
    with pytest.raises(ValueError, match="row"):
        oip.waterfall(e, row=99)
    with pytest.raises(ValueError, match="top"):
        oip.bar(e, top=0)
    with pytest.raises(ValueError, match="not made by onnx_inspector"):
        oip.waterfall(object())
