"""onnx-inspector from Python: SHAP and LIME attributions with error bars for ONNX models, over
the onnx-inspector Rust library (the GIL is released while explaining).

    import onnx_inspector as oi
    model = oi.Model("model.onnx")
    exp = oi.explain(model, X, background=100, method="auto", seed=0)
    exp.values, exp.error_std          # shap.Explanation when shap imports

`oi.explain_batches` streams Arrow RecordBatches; `onnx_inspector.spark` and
`onnx_inspector.ray` run it inside Spark and Ray; `onnx_inspector.plots` draws the charts.
"""

from ._native import DataError, ModelError, __version__
from ._explain import Model, explain, explain_batches
from ._explanation import Explanation

__all__ = [
    "DataError",
    "Explanation",
    "Model",
    "ModelError",
    "__version__",
    "explain",
    "explain_batches",
]
