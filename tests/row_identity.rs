//! One row identity: a row is its index in the data file in chart names, `plot --row`, JSON
//! `row_indices`, Parquet `row` and range errors.

use assert_cmd::Command;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::RowAccessor;
use std::path::Path;

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
}

/// Stderr of a run that must fail with one `error:` line.
fn error_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

/// The `row` column of every Parquet part, in order.
fn parquet_rows(out: &Path) -> Vec<i64> {
    let mut parts: Vec<_> = std::fs::read_dir(out.join("attributions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    parts.sort();
    let mut rows = vec![];
    for p in parts {
        let reader = SerializedFileReader::new(std::fs::File::open(p).unwrap()).unwrap();
        for r in reader.get_row_iter(None).unwrap() {
            rows.push(r.unwrap().get_long(0).unwrap());
        }
    }
    rows
}

fn names_starting(dir: &Path, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    v.sort();
    v
}

#[test]
fn rows_are_named_by_their_index_in_the_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("wine");
    bin()
        .args([
            "explain",
            "models/wine_keras3.onnx",
            "--data",
            "models/wine_test.csv",
        ])
        .args(["--rows", "10:15", "--samples", "64", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("explanations.json")).unwrap())
            .unwrap();
    assert_eq!(doc["row_indices"], serde_json::json!([10, 11, 12, 13, 14]));
    let k = doc["output_names"].as_array().unwrap().len() as i64;
    let expected: Vec<i64> = (10..15)
        .flat_map(|r| std::iter::repeat_n(r, k as usize))
        .collect();
    assert_eq!(parquet_rows(&out), expected);

    let waterfalls = names_starting(&out, "waterfall_row");
    let rows: Vec<&str> = waterfalls
        .iter()
        .map(|n| n["waterfall_row".len()..].split('_').next().unwrap())
        .collect();
    assert_eq!(rows, ["10", "11", "12", "13", "14"], "{waterfalls:?}");

    // plot takes the same index and names its file after it.
    let json = out.join("explanations.json");
    let plots = dir.path().join("plots");
    for kind in ["waterfall", "bar"] {
        bin()
            .args([
                "plot",
                json.to_str().unwrap(),
                "--kind",
                kind,
                "--row",
                "12",
                "--out",
            ])
            .arg(&plots)
            .assert()
            .success();
        let made = names_starting(&plots, &format!("{kind}_row"));
        assert_eq!(made.len(), 1, "{made:?}");
        assert!(
            made[0].starts_with(&format!("{kind}_row12_out")),
            "{made:?}"
        );
    }
    // A row the file does not hold: the error says which rows it does.
    let err = error_of(
        bin()
            .args([
                "plot",
                json.to_str().unwrap(),
                "--kind",
                "waterfall",
                "--row",
                "3",
            ])
            .arg("--out")
            .arg(&plots),
    );
    assert!(
        err.contains("row 3 is not in the file: it explains rows 10 to 14"),
        "{err}"
    );
}

#[test]
fn a_range_past_the_end_names_the_first_missing_row() {
    // models/wine_test.csv holds 45 rows (0 to 44).
    let dir = tempfile::tempdir().unwrap();
    let err = error_of(
        bin()
            .args([
                "explain",
                "models/wine_keras3.onnx",
                "--data",
                "models/wine_test.csv",
            ])
            .args(["--rows", "0:50", "--out"])
            .arg(dir.path().join("o")),
    );
    assert!(
        err.contains("row 45 is out of range: the data has 45 rows (0..44)"),
        "{err}"
    );
}
