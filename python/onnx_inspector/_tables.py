"""Tables in: numpy arrays, pandas DataFrames and pyarrow Tables/RecordBatches become a float32
C-ordered matrix and its column names, with one-line errors naming what is wrong."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from ._native import DataError

Table = Tuple[np.ndarray, List[str]]


def default_names(m: int) -> List[str]:
    """Column names of an unnamed array: x0, x1, ... (as the CLI names a .npy file's columns)."""
    return [f"x{j}" for j in range(m)]


def _is_pandas(obj: Any) -> bool:
    return type(obj).__module__.startswith("pandas") and hasattr(obj, "columns")


def _is_arrow(obj: Any) -> bool:
    return type(obj).__module__.startswith("pyarrow") and hasattr(obj, "schema")


def _select(columns: Sequence[str], wanted: Optional[Sequence[str]], what: str,
            extra_ok: bool) -> List[str]:
    """The columns to read, in `wanted` order; missing (and, unless `extra_ok`, extra) columns
    are a DataError naming them."""
    columns = [str(c) for c in columns]
    if wanted is None:
        return columns
    wanted = [str(c) for c in wanted]
    missing = [c for c in wanted if c not in columns]
    extra = [] if extra_ok else [c for c in columns if c not in wanted]
    refuse_names(what, (missing, "missing column(s)"),
                 (extra, "unexpected column(s)", " (select the feature columns first)"))
    return wanted


def refuse_names(what: str, *problems) -> None:
    """A DataError listing each non-empty (names, words[, note]) of `problems`, when any is."""
    parts = [f"{p[1]} {p[0]}" + (p[2] if len(p) > 2 else "") for p in problems if p[0]]
    if parts:
        raise DataError(f"{what}: " + "; ".join(parts))


def _from_pandas(df: Any, what: str, wanted: Optional[Sequence[str]], extra_ok: bool) -> Table:
    names = _select(df.columns, wanted, what, extra_ok)
    by_name = {str(c): c for c in df.columns}
    cols = []
    for name in names:
        col = df[by_name[name]]
        dtype = col.dtype
        # numpy dtypes, or pandas' nullable Int64/Float64 (kind i/u/f); strings, objects,
        # categories and booleans are not numbers.
        if getattr(dtype, "kind", "O") not in "iuf":
            raise DataError(
                f"{what}: column '{name}' has dtype {dtype}; expected numbers (int or float)")
        missing = col.isna().to_numpy()
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise DataError(f"{what}: row {row}, column '{name}': missing value "
                            "(missing values are not supported)")
        arr = col.to_numpy(dtype=np.float64) if not isinstance(dtype, np.dtype) else col.to_numpy()
        cols.append(np.asarray(arr, dtype=np.float32))
    return _stack(cols, len(df), names)


def _from_arrow(t: Any, what: str, wanted: Optional[Sequence[str]], extra_ok: bool) -> Table:
    import pyarrow as pa

    names = _select(t.schema.names, wanted, what, extra_ok)
    cols = []
    for name in names:
        col = t.column(name)
        typ = col.type
        if not (pa.types.is_integer(typ) or pa.types.is_floating(typ)):
            raise DataError(f"{what}: column '{name}' has type {typ}; expected numbers (int or float)")
        if col.null_count:
            valid = np.asarray(col.is_valid())
            row = int(np.flatnonzero(~valid)[0])
            raise DataError(f"{what}: row {row}, column '{name}': missing value "
                            "(missing values are not supported)")
        cols.append(np.asarray(col.to_numpy(), dtype=np.float32))
    return _stack(cols, t.num_rows, names)


def _stack(cols: List[np.ndarray], n: int, names: List[str]) -> Table:
    if not cols:
        return np.zeros((n, 0), dtype=np.float32), names
    return np.ascontiguousarray(np.column_stack(cols), dtype=np.float32), names


def as_table(obj: Any, what: str, wanted: Optional[Sequence[str]] = None,
             extra_ok: bool = False) -> Table:
    """`obj` as (float32 C-ordered [n, m] matrix, column names).

    `wanted`: the columns to take, in order (a table's missing or extra columns are an error
    naming them; with `extra_ok` extra columns are left out); an array's names."""
    if _is_pandas(obj):
        return _from_pandas(obj, what, wanted, extra_ok)
    if _is_arrow(obj):
        return _from_arrow(obj, what, wanted, extra_ok)
    arr = np.asarray(obj)
    if arr.dtype.kind not in "iuf":
        raise DataError(f"{what}: dtype {arr.dtype}; expected an array of numbers (int or float)")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise DataError(f"{what}: expected a 2-D array [rows, features], got shape {arr.shape}")
    names = list(wanted) if wanted is not None else default_names(arr.shape[1])
    if len(names) != arr.shape[1]:
        raise DataError(f"{what}: {arr.shape[1]} columns but {len(names)} feature names {names}")
    return np.ascontiguousarray(arr, dtype=np.float32), [str(n) for n in names]
