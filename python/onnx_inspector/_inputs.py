"""Models with several graph inputs: a dict {input name: array} becomes the flat rows the
native module takes (every input's values flattened, side by side, in the graph's input order)."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np

from ._native import DataError
from ._tables import refuse_names


def input_names_of(layout) -> List[str]:
    """Column names of flattened inputs: `<input>_<i>`, or the input's name when it has one value
    (as the CLI names a .npy file's columns for such a model)."""
    names = []
    for name, _dtype, _shape, start, end in layout:
        width = end - start
        names.extend([name] if width == 1 else [f"{name}_{k}" for k in range(width)])
    return names


def flatten_inputs(layout, arrays: Dict[str, Any], what: str) -> Tuple[np.ndarray, List[str]]:
    """`arrays` keyed by input name as one float32 matrix [n, row width] and its column names;
    a missing or extra key, a row count or an input width that differs is a DataError naming it."""
    expected = [name for name, *_ in layout]
    keys = [str(k) for k in arrays]
    missing = [k for k in expected if k not in keys]
    extra = [k for k in keys if k not in expected]
    refuse_names(what, (missing, "missing input(s)"),
                 (extra, "unknown input(s)", f" (the model takes {expected})"))
    blocks = []
    n = None
    for name, _dtype, shape, start, end in layout:
        arr = np.asarray(arrays[name])
        if arr.dtype.kind not in "iuf":
            raise DataError(f"{what}['{name}']: dtype {arr.dtype}; expected numbers")
        width = end - start
        if arr.ndim == len(shape):
            arr = arr[None, ...]
        flat = arr.reshape(arr.shape[0], -1) if arr.ndim >= 1 else arr.reshape(1, -1)
        if flat.shape[1] != width:
            raise DataError(f"{what}['{name}']: rows of shape {list(arr.shape[1:])}; the model's "
                            f"input '{name}' takes {list(shape)} ({width} values per row)")
        if n is not None and flat.shape[0] != n:
            raise DataError(f"{what}['{name}']: {flat.shape[0]} rows; '{expected[0]}' has {n}")
        n = flat.shape[0]
        blocks.append(flat.astype(np.float32))
    return np.ascontiguousarray(np.concatenate(blocks, axis=1)), input_names_of(layout)


def rows_of(model, obj: Any, what: str) -> Any:
    """`obj` as flat rows when it is a dict of arrays keyed by input name, else unchanged."""
    if isinstance(obj, dict):
        return flatten_inputs(model._native.input_layout, obj, what)
    return obj
