"""Results out: the native run's arrays as a `shap.Explanation` (when shap imports) or an
`onnx_inspector.Explanation`, and as records with the columns of the CLI's Parquet parts."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import numpy as np

STDERR_SUFFIX = "__stderr"


def record_columns(d: Dict[str, Any]) -> Dict[str, np.ndarray]:
    """One record per (row, output), as the CLI's Parquet parts: `row`, `output`, `base_value`,
    `prediction`, one φ column per feature, then `<feature>__stderr` when the method has
    standard errors."""
    values = d["values"]  # [n, P, K]
    n, p, k = values.shape
    cols: Dict[str, np.ndarray] = {}
    cols["row"] = np.repeat(np.asarray(d["row_indices"], dtype=np.int64), k)
    cols["output"] = np.tile(np.asarray(d["output_names"], dtype=object), n)
    cols["base_value"] = np.asarray(d["base_values"], dtype=np.float64).reshape(n * k)
    cols["prediction"] = np.asarray(d["predictions"], dtype=np.float64).reshape(n * k)
    flat = values.transpose(0, 2, 1).reshape(n * k, p)
    for j, name in enumerate(d["feature_names"]):
        cols[name] = flat[:, j]
    if d.get("stderr") is not None:
        se = d["stderr"].transpose(0, 2, 1).reshape(n * k, p)
        for j, name in enumerate(d["feature_names"]):
            cols[name + STDERR_SUFFIX] = se[:, j]
    return cols


def arrow_batch(cols: Dict[str, np.ndarray], ids: Optional[Any] = None,
                id_col: Optional[str] = None):
    """Record columns as a pyarrow RecordBatch (`row` int64, `output` string, the rest float64),
    with the Arrow column `ids` (one value per explained row, repeated for each output) first
    as `id_col` when given."""
    import pyarrow as pa

    arrays, names = [], list(cols)
    if id_col is not None:
        per_row = len(cols["row"]) // max(len(ids), 1)
        repeated = ids.take(pa.array(np.repeat(np.arange(len(ids)), per_row)))
        if isinstance(repeated, pa.ChunkedArray):  # a Table's column
            repeated = repeated.combine_chunks()
        arrays.append(repeated)
        names.insert(0, id_col)
    for name, v in cols.items():
        if name == "output":
            arrays.append(pa.array(list(v), type=pa.string()))
        else:
            arrays.append(pa.array(v))
    return pa.RecordBatch.from_arrays(arrays, names=names)


class Explanation:
    """Attributions for rows: `values` [n, P, K] ([n, P] with one output, as shap),
    `base_values` [n, K] ([n]), `data` [n, M] the explained rows, `feature_names` [P],
    `output_names` [K], `error_std` (standard errors, shaped as `values`, or None for exact
    methods), `predictions` f(x), `row_indices`, `method` and the run's `meta` dict."""

    def __init__(self, d: Dict[str, Any]):
        self._d = d
        single = len(d["output_names"]) == 1
        self.values = d["values"][:, :, 0] if single else d["values"]
        self.base_values = d["base_values"][:, 0] if single else d["base_values"]
        self.predictions = d["predictions"][:, 0] if single else d["predictions"]
        se = d.get("stderr")
        self.error_std = None if se is None else (se[:, :, 0] if single else se)
        self.data = d["data"]
        self.feature_names: List[str] = list(d["feature_names"])
        self.output_names: List[str] = list(d["output_names"])
        self.row_indices = d["row_indices"]
        self.method: str = d["method"]
        self.meta: Dict[str, Any] = json.loads(d["meta"])
        self._oi_report = d.get("report")

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def __repr__(self) -> str:
        return (f"onnx_inspector.Explanation({len(self)} rows, {len(self.feature_names)} features, "
                f"{len(self.output_names)} outputs, method={self.method})")

    def to_pandas(self):
        """One row per (row, output) with the CLI's Parquet columns, as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(record_columns(self._d))

    def to_arrow(self):
        """One row per (row, output) with the CLI's Parquet columns, as a pyarrow Table."""
        import pyarrow as pa

        return pa.Table.from_batches([arrow_batch(record_columns(self._d))])


def report_of(exp):
    """The native run behind an explanation returned by `explain` (for charts)."""
    report = getattr(exp, "_oi_report", None)
    if report is None:
        raise ValueError("this explanation was not made by onnx_inspector.explain")
    return report


def to_shap(d: Dict[str, Any]):
    """The run as a `shap.Explanation` (standard errors as `error_std`)."""
    import shap

    ours = Explanation(d)
    exp = shap.Explanation(
        values=ours.values,
        base_values=ours.base_values,
        data=ours.data if ours.data.shape[1] == len(ours.feature_names) else None,
        feature_names=ours.feature_names,
        output_names=ours.output_names if len(ours.output_names) > 1 else None,
        error_std=ours.error_std,
    )
    exp._oi_report = d["report"]
    return exp


def build(d: Dict[str, Any], result: str = "auto"):
    """`shap.Explanation` when `result` is "shap", or "auto" and shap imports; else ours."""
    if result not in ("auto", "shap", "onnx_inspector"):
        raise ValueError(f"result: '{result}' is not one of auto, shap, onnx_inspector")
    if result != "onnx_inspector":
        try:
            return to_shap(d)
        except ImportError:
            if result == "shap":
                raise
    return Explanation(d)
