"""oi.explain_batches: Arrow batches in, batches with the CLI's Parquet columns out, equal to
the CLI's Parquet parts row for row."""

import pytest

import onnx_inspector as oi
from conftest import MODELS, cli_explain, need, read_csv, write_csv

DIABETES = MODELS / "diabetes.onnx"


def test_batches_equal_the_cli_parquet_parts(tmp_path):
    pa = need("pyarrow", "arrow")
    import pyarrow.dataset as ds

    x, names = read_csv(MODELS / "diabetes_test.csv")
    bg, _ = read_csv(MODELS / "diabetes_train.csv")
    bg = bg[:40]
    write_csv(tmp_path / "bg.csv", bg, names)
    cli_explain(tmp_path, DIABETES, MODELS / "diabetes_test.csv", "--background",
                str(tmp_path / "bg.csv"), "--method", "permutation", "--samples", "100",
                "--seed", "11", "--chunk-rows", "16")
    cli = ds.dataset(tmp_path / "cli" / "attributions", format="parquet").to_table()

    table = pa.table({"id": [f"r{i}" for i in range(len(x))],
                      **{n: x[:, j] for j, n in enumerate(names)}})
    batches = table.to_batches(max_chunksize=7)  # other cuts than the CLI's parts
    assert len(batches) > 3
    out = list(oi.explain_batches(DIABETES, iter(batches), id_col="id", background=bg,
                                  method="permutation", samples=100, seed=11))
    assert len(out) == len(batches)
    ours = pa.Table.from_batches(out)
    assert ours.column("id").to_pylist() == [f"r{i}" for i in range(len(x))]
    ours = ours.drop_columns(["id"])
    assert ours.column_names == cli.column_names
    for c in cli.column_names:
        assert ours.schema.field(c).type == cli.schema.field(c).type, c
        assert ours.column(c).to_pylist() == cli.column(c).to_pylist(), c


def test_batches_need_reference_tables():
    need("pyarrow", "arrow")
    with pytest.raises(ValueError, match="background"):
        next(oi.explain_batches(DIABETES, iter([]), background=50))
    with pytest.raises(ValueError, match="train"):
        next(oi.explain_batches(DIABETES, iter([]), method="lime"))
