"""Explain a Ray Dataset with `map_batches(batch_format="pyarrow")`: one model per Ray worker,
the result a Dataset with the CLI's Parquet columns.

    import onnx_inspector.ray as oir
    out = oir.explain(ds, "model.onnx", features=[...], background=bg_table, id_col="id")

Ray does not number rows across blocks, so rows are numbered by an integer column (`row_col`,
e.g. one written with the data); each row's random stream is seeded by (seed, that number), so
the values equal one CLI run in which the row has that index. Without `row_col`, the dataset is
first materialized and numbered in its order.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Sequence

from ._explain import Model, _needs_tables, explain_batches
from ._tables import as_table


class _Explainer:
    """One model per Ray worker (a callable class for `map_batches`)."""

    def __init__(self, path, engine, output_names, features, id_col, row_col, bg, tr, options):
        self.model = Model(path, engine, output_names)
        self.args = (features, id_col, row_col, bg, tr, options)

    def __call__(self, batch):
        import pyarrow as pa

        features, id_col, row_col, bg, tr, options = self.args
        rows = batch.column(row_col).to_numpy()
        out = []
        # Rows are numbered by row_col: explain each run of consecutive numbers as one batch.
        breaks = [0] + [i for i in range(1, len(rows)) if rows[i] != rows[i - 1] + 1] + [len(rows)]
        for a, b in zip(breaks, breaks[1:]):
            part = batch.slice(a, b - a)
            out += list(explain_batches(self.model, [part], features=features, id_col=id_col,
                                        background=bg, train=tr, first_row=int(rows[a]),
                                        **options))
        return pa.Table.from_batches(out)


def explain(ds, model_path: str, features: Sequence[str], background: Any = None,
            train: Any = None, id_col: Optional[str] = None, row_col: Optional[str] = None,
            engine: str = "auto", output_names: Optional[Sequence[str]] = None,
            batch_size: int = 1024, concurrency: int = 1, num_cpus: float = 1,
            threads: int = 1, **options):
    """Explains every row of the Ray Dataset `ds` (see the module documentation); background
    and train are tables (pandas, numpy, pyarrow). `concurrency` workers of `num_cpus` CPUs each
    (leave CPUs for Ray Data's own read and split tasks), `threads` explaining threads per worker.
    Other options as `onnx_inspector.explain`."""
    features = list(features)
    _needs_tables(options.get("method", "auto"), options, background, train)
    bg = as_table(background, "background", features, True)[0] if background is not None else None
    tr = as_table(train, "train", features, True)[0] if train is not None else None
    if row_col is None:
        import numpy as np
        import pyarrow as pa
        import ray.data

        table = pa.concat_tables(ray.get(ds.to_arrow_refs()))
        row_col = "__oi_row"
        table = table.append_column(row_col, pa.array(np.arange(table.num_rows, dtype=np.int64)))
        ds = ray.data.from_arrow(table)
    return ds.map_batches(
        _Explainer,
        fn_constructor_args=(os.path.abspath(model_path), engine, output_names, features,
                             id_col, row_col, bg, tr, dict(options, threads=threads)),
        batch_format="pyarrow",
        batch_size=batch_size,
        concurrency=concurrency,
        num_cpus=num_cpus,
    )
