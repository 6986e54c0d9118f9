//! Parquet input: `--data`/`--background` as a Parquet file or a folder of parts (as Spark and
//! pyarrow write them: snappy or uncompressed, several row groups, `_SUCCESS`), columns picked by name with
//! `--features`, giving the values a CSV of the same numbers gives, bit for bit; bad tables
//! stopped with one line naming the file, row and column.
//! Tables: tests/fixtures/make_parquet_tables.py (pyarrow).

mod common;

use assert_cmd::Command;
use common::error_of;
use onnx_inspector::data::Dataset;
use onnx_inspector::explain::{Estimator, ShapParams};
use onnx_inspector::report::ExplanationFile;
use onnx_inspector::{run_explain, ExplainRequest};
use std::path::Path;

const MODEL: &str = "models/breast_cancer.onnx";
const CSV: &str = "models/breast_cancer_test.csv";
const WIDE: &str = "tests/fixtures/parquet/wide.parquet";
const PARTS: &str = "tests/fixtures/parquet/parts";

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
}

/// The CSV's header: the model's columns in its order.
fn feature_names() -> Vec<String> {
    Dataset::load(CSV).unwrap().feature_names
}

/// Explains rows 0:30 of `data` (with `extra` flags) into `out` and reads the document back.
fn explain(data: &str, extra: &[&str], out: &Path) -> ExplanationFile {
    bin()
        .args([
            "explain",
            MODEL,
            "--data",
            data,
            "--rows",
            "0:30",
            "--samples",
            "300",
        ])
        .args(["--no-charts", "--quiet", "--threads", "2", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
    ExplanationFile::read(&out.join("explanations.json")).unwrap()
}

fn assert_same_values(a: &ExplanationFile, b: &ExplanationFile) {
    assert_eq!(a.feature_names, b.feature_names);
    assert_eq!(a.row_indices, b.row_indices);
    assert_eq!(a.data, b.data);
    assert_eq!(a.values, b.values);
    assert_eq!(a.stderr, b.stderr);
    assert_eq!(a.base_values, b.base_values);
    assert_eq!(a.predictions, b.predictions);
}

#[test]
fn a_parquet_file_and_a_folder_of_parts_give_the_csv_values_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = explain(CSV, &[], &tmp.path().join("csv"));
    let list = tmp.path().join("features.txt");
    std::fs::write(
        &list,
        format!("# the model's columns\n{}\n", feature_names().join("\n")),
    )
    .unwrap();
    let at_list = format!("@{}", list.display());
    let file = explain(WIDE, &["--features", &at_list], &tmp.path().join("file"));
    assert_same_values(&csv, &file);
    // A folder of parts (snappy and uncompressed, Spark's _SUCCESS and .crc beside), streamed in parts of
    // 7 rows that straddle the row groups and files.
    let names = feature_names().join(",");
    let folder = explain(
        PARTS,
        &["--features", &names, "--chunk-rows", "7"],
        &tmp.path().join("folder"),
    );
    assert_same_values(&csv, &folder);
    assert_eq!(folder.meta.data, PARTS);
}

#[test]
fn a_parquet_background_is_picked_by_name_too() {
    let tmp = tempfile::tempdir().unwrap();
    let bg_csv = explain(CSV, &["--background", CSV], &tmp.path().join("csv"));
    let names = feature_names().join(",");
    let bg_pq = explain(
        CSV,
        &["--background", WIDE, "--features", &names],
        &tmp.path().join("pq"),
    );
    assert_same_values(&bg_csv, &bg_pq);
}

#[test]
fn the_library_reads_parquet_with_the_request_features() {
    let estimator = Estimator::Shap(ShapParams::default());
    let mut req = ExplainRequest::new(MODEL, PARTS, estimator);
    req.rows = Some("0:5".into());
    req.features = Some(feature_names());
    let from_parquet = run_explain(&req, None).unwrap();
    let mut req_csv = req.clone();
    req_csv.data = CSV.into();
    req_csv.features = None;
    assert_same_values(&run_explain(&req_csv, None).unwrap(), &from_parquet);
    let d = Dataset::load_columns(Path::new(WIDE), Some(&["label".to_string()])).unwrap();
    assert_eq!(
        d.values.column(0).iter().take(4).collect::<Vec<_>>(),
        [&0.0, &1.0, &0.0, &1.0]
    );
}

#[test]
fn bad_tables_and_names_stop_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let names = feature_names().join(",");
    let run = |data: &str, features: Option<&str>| {
        let mut cmd = bin();
        cmd.args(["explain", MODEL, "--data", data, "--quiet", "--out"])
            .arg(tmp.path().join("out"));
        if let Some(f) = features {
            cmd.args(["--features", f]);
        }
        error_of(&mut cmd)
    };
    let err = run(WIDE, None);
    assert!(
        err.contains("wide.parquet")
            && err.contains("column 'id' holds BYTE_ARRAY values, not numbers")
            && err.contains("--features"),
        "{err}"
    );
    let err = run(WIDE, Some("mean radius,no such thing,mean texture"));
    assert!(err.contains("no column 'no such thing'"), "{err}");
    let err = run("tests/fixtures/parquet/with_null.parquet", Some(&names));
    assert!(
        err.contains("with_null.parquet")
            && err.contains("row 7, column 'mean radius': no value (null)"),
        "{err}"
    );
    let err = run("tests/fixtures/parquet/with_nan.parquet", Some(&names));
    assert!(
        err.contains("row 3, column 'worst area': NaN is not a finite number"),
        "{err}"
    );
    // A table wider than the model, no names given: say how to pick.
    let err = run(CSV, Some("mean radius,mean radius"));
    assert!(err.contains("names column 'mean radius' twice"), "{err}");
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = run(empty.to_str().unwrap(), None);
    assert!(err.contains("holds no .parquet file"), "{err}");
    let err = run(PARTS, Some("label"));
    assert!(
        err.contains("1 columns but the model takes 30 values per row"),
        "{err}"
    );
    assert!(!tmp.path().join("out").exists());
}
