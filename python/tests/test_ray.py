"""oi.ray.explain over Ray Data (ray.init(num_cpus=2)) equals one CLI run."""

import numpy as np
import pytest

from conftest import MODELS, cli_explain, need, read_csv, write_csv

DIABETES = MODELS / "diabetes.onnx"


@pytest.fixture(scope="module")
def ray():
    ray = need("ray", "ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.parametrize("numbered", [True, False])
def test_ray_equals_one_cli_run(ray, tmp_path, numbered):
    pa = need("pyarrow", "arrow")
    import pyarrow.dataset as pads
    import ray.data
    import onnx_inspector.ray as oir

    x, names = read_csv(MODELS / "diabetes_train.csv")
    bg = x[:25]
    write_csv(tmp_path / "bg.csv", bg, names)
    cli_explain(tmp_path, DIABETES, MODELS / "diabetes_train.csv", "--background",
                str(tmp_path / "bg.csv"), "--method", "kernel", "--samples", "150", "--seed", "2")
    cli = pads.dataset(tmp_path / "cli" / "attributions", format="parquet").to_table()

    cols = {"key": [f"k{i}" for i in range(len(x))], **{n: x[:, j] for j, n in enumerate(names)}}
    if numbered:
        cols["n"] = np.arange(len(x), dtype=np.int64)
    ds = ray.data.from_arrow(pa.table(cols)).repartition(4)
    out = oir.explain(ds, str(DIABETES), features=names, background=bg, id_col="key",
                      row_col="n" if numbered else None, method="kernel", samples=150, seed=2,
                      batch_size=64, concurrency=2, num_cpus=0.5)
    got = pa.concat_tables(ray.get(out.to_arrow_refs())).sort_by("row")
    assert got.column("key").to_pylist() == [f"k{i}" for i in range(len(x))]
    got = got.drop_columns(["key"])
    assert got.column_names == cli.column_names
    for c in cli.column_names:
        assert got.column(c).to_pylist() == cli.column(c).to_pylist(), c
