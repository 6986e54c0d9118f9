"""oi.spark.explain in Spark local[2] on a few thousand rows equals one CLI run, whatever the
partitioning."""

import os
import sys

import numpy as np
import pytest

from conftest import MODELS, cli_explain, need, read_csv, write_csv

DIABETES = MODELS / "diabetes.onnx"
N_ROWS = 3000


@pytest.fixture(scope="module")
def spark():
    need("pyspark", "spark")
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    s = (SparkSession.builder.master("local[2]").appName("onnx-inspector-test")
         .config("spark.sql.files.maxPartitionBytes", 64 * 1024)
         .config("spark.ui.enabled", "false").getOrCreate())
    yield s
    s.stop()


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    """3000 rows near the diabetes training rows, as CSV for the CLI and with ids for Spark."""
    x, names = read_csv(MODELS / "diabetes_train.csv")
    rng = np.random.default_rng(5)
    big = (x[rng.integers(0, len(x), N_ROWS)]
           + rng.normal(0, 0.01, (N_ROWS, x.shape[1]))).astype(np.float32)
    d = tmp_path_factory.mktemp("spark-data")
    write_csv(d / "data.csv", big, names)
    write_csv(d / "with_id.csv", np.column_stack([np.arange(N_ROWS) * 10, big]), ["id", *names])
    return d, names


def test_spark_equals_one_cli_run(spark, rows, tmp_path):
    need("pyarrow", "arrow")
    import pyarrow.dataset as ds
    import onnx_inspector.spark as ois

    d, names = rows
    cli_explain(tmp_path, DIABETES, d / "data.csv", "--method", "permutation", "--samples", "60",
                "--seed", "4", "--background-size", "30")
    cli = ds.dataset(tmp_path / "cli" / "attributions", format="parquet").to_table()

    df = spark.read.option("header", True).option("inferSchema", True).csv(str(d / "with_id.csv"))
    df = df.withColumn("id", df["id"].cast("long"))
    assert df.rdd.getNumPartitions() > 2
    out = ois.explain(df, str(DIABETES), features=names, id_col="id", background=30,
                      method="permutation", samples=60, seed=4)
    assert out.columns[:5] == ["id", "row", "output", "base_value", "prediction"]
    got = out.toArrow().sort_by([("row", "ascending")])
    assert got.num_rows == N_ROWS
    assert got.column("id").to_pylist() == [10 * i for i in range(N_ROWS)]
    got = got.drop_columns(["id"])
    assert got.column_names == cli.column_names
    for c in cli.column_names:
        assert got.column(c).to_pylist() == cli.column(c).to_pylist(), c


def test_the_cli_reads_the_parquet_folder_spark_writes(spark, rows, tmp_path):
    """A table Spark wrote (snappy part files, _SUCCESS, an id column beside the features) is the
    CLI's --data as it is: --features picks the model's columns, the values equal the CSV's."""
    need("pyarrow", "arrow")
    import pyarrow.dataset as ds

    d, names = rows
    df = spark.read.option("header", True).option("inferSchema", True).csv(str(d / "with_id.csv"))
    folder = tmp_path / "table"
    # Columns in another order than the model's, doubles as Spark infers them, several files.
    df.select("id", *reversed(names)).repartition(3).sortWithinPartitions("id") \
        .write.parquet(str(folder))
    assert (folder / "_SUCCESS").exists() and len(list(folder.glob("part-*.parquet"))) == 3

    flags = ["--method", "permutation", "--samples", "40", "--seed", "2", "--background-size",
             "20", "--rows", "0:200", "--json-rows", "0"]
    # The folder's rows, in the order the CLI reads them (part files by name): the same rows as
    # CSV for the CLI run over them.
    table = ds.dataset(folder, format="parquet").to_table().to_pandas()
    import pyarrow.parquet as pq

    files = sorted(folder.glob("part-*.parquet"))
    order = np.concatenate([pq.read_table(f, columns=["id"]).column("id").to_numpy() for f in files])
    by_id = table.set_index("id").loc[order, names].to_numpy(np.float32)
    write_csv(tmp_path / "ordered.csv", by_id, names)
    want = cli_explain(tmp_path / "b", DIABETES, tmp_path / "ordered.csv", *flags)
    got = cli_explain(tmp_path / "c", DIABETES, folder, "--features", ",".join(names), *flags)
    a = ds.dataset(tmp_path / "b" / "cli" / "attributions", format="parquet").to_table()
    b = ds.dataset(tmp_path / "c" / "cli" / "attributions", format="parquet").to_table()
    assert a.column_names == b.column_names
    for c in a.column_names:
        assert a.column(c).to_pylist() == b.column(c).to_pylist(), c
    assert got["meta"]["data"] == str(folder) and a.num_rows == 200 * len(got["output_names"])
