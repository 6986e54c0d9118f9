"""`Model`, `explain` and `explain_batches`: the Python front over the native module."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, Iterable, Iterator, Optional, Sequence, Union

import numpy as np

from . import _native, _ort
from ._explanation import arrow_batch, build, record_columns
from ._inputs import rows_of
from ._tables import Table, as_table


class Model:
    """An ONNX model loaded for explaining.

    `engine`: "auto" (the fastest engine that matches tract on probe rows: onnxruntime when the
    `onnxruntime` package is installed, as with the `[ort]` extra, else the built-in engines),
    "tract", "dense", "conv" or "ort"; `info()["engine"]` says which runs and from where.
    `output_names` replaces the model's output column names."""

    def __init__(self, path: Union[str, os.PathLike], engine: str = "auto",
                 output_names: Optional[Sequence[str]] = None):
        self.path = os.fspath(path)
        self.engine = engine
        _ort.point_at_library(engine)
        self._native = _native.Model(
            self.path, engine, None if output_names is None else list(output_names))

    @property
    def input_names(self):
        """Names of the graph's inputs."""
        return self._native.input_names

    @property
    def input_layout(self):
        """Each graph input as (name, dtype, shape, first column, end column): a row is every
        input's flattened values side by side, in this order."""
        return self._native.input_layout

    @property
    def output_names(self):
        """Names of the output columns, one per output value of a row."""
        return self._native.output_names

    @property
    def n_features(self) -> int:
        """Width of one flattened input row."""
        return self._native.n_features

    def info(self) -> Dict[str, Any]:
        """What the file declares and how it runs (`engine`: the engine in use), as `info --json`."""
        return json.loads(self._native.info_json())

    def predict(self, X) -> np.ndarray:
        """Model outputs [n, K] for rows X (numpy, pandas or Arrow; for a model with several
        inputs also a dict {input name: array})."""
        x, _ = _table(self, X, "X", None)
        return self._native.predict(x)

    def __repr__(self) -> str:
        return f"onnx_inspector.Model({self.path!r}, engine={self.info()['engine']!r})"


def _model(model) -> Model:
    return model if isinstance(model, Model) else Model(model)


def _progress_bar(progress):
    """`progress` itself when callable, else a `progress(done, total)` callback printing one
    updating line on stderr when true, or None."""
    if callable(progress):
        return progress
    if not progress:
        return None

    def show(done: int, total: int) -> None:
        if total:
            sys.stderr.write(f"\rexplaining: {done}/{total} rows")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return show


def _table(model: Model, value, what: str, names, extra_ok: bool = False) -> Table:
    """`value` as a table: a dict {input name: array} flattened in the graph's input order (a
    model with several inputs), else as_table."""
    flat = rows_of(model, value, what)
    if isinstance(flat, tuple):
        return flat
    return as_table(flat, what, names, extra_ok)


def _reference(model: Model, value, what: str, names, extra_ok: bool) -> Optional[Table]:
    """A background or training table named like X (its columns matched by name)."""
    if value is None:
        return None
    return _table(model, value, what, None if isinstance(value, dict) else names, extra_ok)


def _options(method, samples, seed, threads, labels, groups, patch, mask, tolerance,
             options: Dict[str, Any]) -> Dict[str, Any]:
    opts = dict(method=method, samples=samples, seed=seed, threads=threads, labels=labels,
                groups=groups, patch=patch, mask=mask, tolerance=tolerance)
    opts.update(options)
    return {k: v for k, v in opts.items() if v is not None}


def explain(model, X, background=None, method: str = "auto", samples: Optional[int] = None,
            seed: int = 0, threads: int = 0, labels=None, feature_names=None, groups=None,
            patch: Optional[int] = None, mask: str = "background",
            tolerance: Optional[float] = None, progress: bool = False, train=None,
            result: str = "auto", **options):
    """Explains the rows of X with SHAP (or LIME with method="lime"), as the CLI's `explain`.

    X: numpy array (any int/float dtype, C or F order), pandas DataFrame (its columns are the
    feature names) or pyarrow Table/RecordBatch. background: rows of the same kind, or an int:
    that many rows sampled from X with `seed` (default 50, as the CLI). train: LIME's training
    statistics (default X). method: auto, exact, kernel, permutation, partition or lime.
    Other options as the CLI's flags: se_target, sampling, block_rows, incremental, num_features,
    discretizer, kernel_width, feature_selection, sample_around_instance, categorical,
    superpixels, compactness, image_shape. Same seed and options give the CLI's values.
    progress: True for a line on stderr, or a callable `progress(done_rows, total_rows)` called
    about every 100 ms. Ctrl-C stops the run between rows with KeyboardInterrupt.

    Returns a shap.Explanation when shap imports (result="auto"), else an
    onnx_inspector.Explanation; result="shap" or "onnx_inspector" chooses."""
    model = _model(model)
    x, names = _table(model, X, "X", feature_names)
    opts = _options(method, samples, seed, threads, labels, groups, patch, mask, tolerance, options)
    bg = None
    if isinstance(background, (int, np.integer)) and not isinstance(background, bool):
        opts["background_size"] = int(background)
    else:
        bg = _reference(model, background, "background", names, False)
    tr = _reference(model, train, "train", names, False)
    d = _native.explain(model._native, x, names, "X", background=bg, train=tr,
                        progress=_progress_bar(progress), **opts)
    return build(d, result)


def _uses_train(method: str, options: Dict[str, Any]) -> bool:
    """Whether LIME takes training statistics (lime_tabular) rather than background rows (LIME
    over players switched on and off: groups, patches, superpixels)."""
    switched = any(options.get(k) is not None for k in ("groups", "patch", "superpixels"))
    return method == "lime" and not switched


def _needs_tables(method: str, options: Dict[str, Any], background, train) -> None:
    """Batches are explained one at a time: the reference rows must be given as tables."""
    if _uses_train(method, options):
        if train is None:
            raise ValueError("train: LIME over batches needs the training rows as a table "
                             "(its statistics cannot come from one batch)")
    elif background is None or isinstance(background, (int, np.integer)):
        raise ValueError("background: explaining batches needs the background rows as a table "
                         "(sample them from the whole data first, e.g. with oi.spark.explain)")


def explain_batches(model, batches: Iterable[Any], features: Optional[Sequence[str]] = None,
                    id_col: Optional[str] = None, background=None, train=None,
                    method: str = "auto", seed: int = 0, first_row: int = 0,
                    **options) -> Iterator[Any]:
    """Arrow RecordBatches in, RecordBatches out with the CLI's Parquet columns (`row`, `output`,
    `base_value`, `prediction`, one φ column per feature, `<feature>__stderr`), `id_col` first
    when given. One batch is held at a time. Rows are numbered from `first_row` in order, and
    each row's random stream is seeded by (seed, its number) as in one CLI run over all rows.
    `features`: the columns the model takes, in order (default: every column but `id_col`)."""
    model = _model(model)
    _needs_tables(method, options, background, train)
    bg = tr = None
    names = None
    next_row = int(first_row)
    for batch in batches:
        cols = list(batch.schema.names)
        if names is None:
            names = list(features) if features is not None else [c for c in cols if c != id_col]
            bg = _reference(model, background, "background", names, True)
            tr = _reference(model, train, "train", names, True)
        if batch.num_rows == 0:
            continue
        x, _ = as_table(batch, "batch", names, extra_ok=True)
        rows = list(range(next_row, next_row + batch.num_rows))
        next_row += batch.num_rows
        opts = {k: v for k, v in dict(options, method=method, seed=seed).items() if v is not None}
        d = _native.explain(model._native, x, names, "batch", background=bg, train=tr,
                            row_ids=rows, **opts)
        ids = batch.column(id_col) if id_col is not None else None
        yield arrow_batch(record_columns(d), ids, id_col)
