"""Explain a Spark DataFrame where it lives: `df.mapInArrow` runs the explainer in each executor's
Python worker (one model per worker, shipped with `SparkContext.addFile`), so no shared disk, no
CSV and no subprocess are needed; the result is a DataFrame with the CLI's Parquet columns.

    import onnx_inspector.spark as ois
    out = ois.explain(df, "model.onnx", features=[...], id_col="id", background=100,
                      method="permutation", samples=400)
    out.write.parquet("s3://bucket/attributions")

Rows are numbered by their position in `df` (partition by partition, as `zipWithIndex`), and
each row's random stream is seeded by (seed, that number): the values equal one CLI run over the
same rows in the same order, however `df` is partitioned. `df` must give its rows in the same
order each time it is computed (a table or files read as they are; `cache()` it after a shuffle).
Clusters whose executors have no Python keep `deploy/spark/explain_spark.py` (the CLI binary as
a subprocess per shard, on a shared file system).
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ._explain import Model, _needs_tables, _uses_train, explain_batches
from ._explanation import STDERR_SUFFIX
from ._tables import as_table
from . import _native

# Models loaded in this Python worker, by (path, engine): one explainer per worker.
_MODELS: Dict[Any, Model] = {}


def _worker_model(path: str, engine: str, output_names) -> Model:
    key = (path, engine, tuple(output_names or ()))
    if key not in _MODELS:
        _MODELS[key] = Model(path, engine, output_names)
    return _MODELS[key]


def _partition_offsets(df, column: str) -> List[int]:
    """The global index of each partition's first row (rows counted in `df`'s order)."""

    def count(batches):
        import pyarrow as pa
        from pyspark import TaskContext

        n = sum(b.num_rows for b in batches)
        yield pa.RecordBatch.from_pydict(
            {"p": [TaskContext.get().partitionId()], "n": [n]},
            schema=pa.schema([("p", pa.int32()), ("n", pa.int64())]))

    counts = dict(df.select(column).mapInArrow(count, "p int, n long").collect())
    offsets, total = [], 0
    for p in range(df.rdd.getNumPartitions()):
        offsets.append(total)
        total += counts.get(p, 0)
    offsets.append(total)
    return offsets


def _rows_at(df, features: Sequence[str], offsets: List[int], positions: Sequence[int]):
    """The rows of `df` at global `positions` (sorted), as a pyarrow Table in that order."""
    wanted = sorted(int(p) for p in positions)

    def pick(batches):
        import pyarrow as pa
        from pyspark import TaskContext

        idx = np.asarray(wanted, dtype=np.int64)
        end = offsets[TaskContext.get().partitionId()]
        for b in batches:
            start, end = end, end + b.num_rows
            local = idx[(idx >= start) & (idx < end)] - start
            if len(local):
                t = b.take(pa.array(local))
                yield pa.RecordBatch.from_arrays(
                    list(t.columns) + [pa.array(local + start)],
                    names=list(t.schema.names) + ["__oi_row"])

    schema = df.select(*features).schema.add("__oi_row", "long")
    picked = df.select(*features).mapInArrow(pick, schema).toArrow()
    return picked.sort_by("__oi_row").drop_columns(["__oi_row"])


def _spark_table(value, features: Sequence[str]):
    """A Spark DataFrame reference table collected as Arrow; other tables as they are."""
    if value is not None and hasattr(value, "mapInArrow"):
        return value.select(*features).toArrow()
    return value


def _output_schema(df, id_col: Optional[str], features: List[str], stderr: bool) -> str:
    """The result's Spark schema as DDL."""
    def q(name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    fields = []
    if id_col is not None:
        fields.append(f"{q(id_col)} {df.schema[id_col].dataType.simpleString()}")
    fields += ["row bigint", "output string", "base_value double", "prediction double"]
    fields += [f"{q(f)} double" for f in features]
    if stderr:
        fields += [f"{q(f + STDERR_SUFFIX)} double" for f in features]
    return ", ".join(fields)


def explain(df, model_path: str, features: Optional[Sequence[str]] = None,
            id_col: Optional[str] = None, background: Any = 50, train: Any = None,
            method: str = "auto", seed: int = 0, threads: int = 1, engine: str = "auto",
            output_names: Optional[Sequence[str]] = None, **options):
    """Explains every row of the Spark DataFrame `df` with the ONNX model at `model_path`;
    returns a DataFrame with one row per (row, output): `id_col` (when given), `row` (the row's
    position in `df`), `output`, `base_value`, `prediction`, one φ column per feature and
    `<feature>__stderr` when the method has standard errors.

    features: the model's input columns in order (default: every column but `id_col`).
    background: an int (rows sampled from `df` exactly as the CLI samples its data file), or a
    table (Spark or pandas DataFrame, numpy array, pyarrow Table). train: LIME's training rows
    (default: `df`, collected to the driver). threads: per Spark task (default 1: Spark runs one
    task per core). Other options as `onnx_inspector.explain`."""
    from pyspark import SparkFiles

    spark = df.sparkSession
    features = list(features) if features is not None else [c for c in df.columns if c != id_col]
    offsets = _partition_offsets(df, features[0])
    total = offsets[-1]
    if isinstance(background, (int, np.integer)) and not isinstance(background, bool):
        background = _rows_at(df, features, offsets, _native.sample_rows(total, int(background), seed))
    background = _spark_table(background, features)
    if _uses_train(method, options) and train is None:
        train = df.select(*features).toArrow()
    train = _spark_table(train, features)
    _needs_tables(method, options, background, train)

    # A one-row run on the driver checks the options and gives the output columns.
    model = Model(model_path, engine, output_names)
    probe_rows = _rows_at(df, features, offsets, [0])
    probe = next(explain_batches(model, iter(probe_rows.to_batches()), features=features,
                                 background=background, train=train, method=method, seed=seed,
                                 threads=threads, **options))
    phi_names = [c for c in probe.schema.names
                 if c not in ("row", "output", "base_value", "prediction")
                 and not c.endswith(STDERR_SUFFIX)]
    stderr = any(c.endswith(STDERR_SUFFIX) for c in probe.schema.names)
    schema = _output_schema(df, id_col, phi_names, stderr)

    spark.sparkContext.addFile(os.path.abspath(model_path))
    shipped = os.path.basename(model_path)
    # Shipped to the workers as float32 matrices in the order of `features`.
    bg = None if background is None else as_table(background, "background", features, True)[0]
    tr = None if train is None else as_table(train, "train", features, True)[0]
    names = list(output_names) if output_names is not None else None

    def run(batches):
        from pyspark import TaskContext

        first = offsets[TaskContext.get().partitionId()]
        m = _worker_model(SparkFiles.get(shipped), engine, names)
        yield from explain_batches(m, batches, features=features, id_col=id_col, background=bg,
                                   train=tr, method=method, seed=seed, first_row=first,
                                   threads=threads, **options)

    cols = features + ([id_col] if id_col is not None and id_col not in features else [])
    return df.select(*cols).mapInArrow(run, schema)
