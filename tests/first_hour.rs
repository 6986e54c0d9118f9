//! What a newcomer meets in the first hour: one row identity (a row is its index in the data
//! file in chart names, `plot --row`, JSON `row_indices`, Parquet `row` and range errors),
//! output names that say where they come from, clear words for swapped files, no empty `--out`
//! after a failed first run, a beeswarm per output and a neutral "other features" bar.

mod common;

use assert_cmd::Command;
use common::error_of;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::RowAccessor;
use std::path::Path;

use onnx_inspector::report::charts::{palette, style, MAX_BEESWARMS};

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
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

/// Runs `explain MODEL --data DATA EXTRA... --quiet --out OUT`, which must succeed.
fn explain_ok(model: &str, data: &str, extra: &[&str], out: &Path) {
    bin()
        .args(["explain", model, "--data", data])
        .args(extra)
        .args(["--quiet", "--out"])
        .arg(out)
        .assert()
        .success();
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
    let extra = ["--rows", "10:15", "--samples", "64"];
    explain_ok(
        "models/wine_keras3.onnx",
        "models/wine_test.csv",
        &extra,
        &out,
    );
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

fn stdout_of(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn outputs_say_where_their_names_come_from() {
    // A Keras 3 export names only its tensor: the softmax columns become classes.
    let info = stdout_of(&["info", "models/wine_keras3.onnx"]);
    assert!(
        info.contains("outputs:    3 (class 0, class 1, class 2)"),
        "{info}"
    );
    assert!(
        info.contains("the file names only the Softmax output 'Identity:0'"),
        "{info}"
    );
    assert!(info.contains("--output-names"), "{info}");
    // A regression output keeps its tensor name, and info and explain point to --output-names.
    let info = stdout_of(&["info", "models/diabetes.onnx"]);
    assert!(info.contains("outputs:    1 (dense_1)"), "{info}");
    assert!(
        info.contains("named after the model's output tensors; --output-names"),
        "{info}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let args = [
        "explain",
        "models/diabetes.onnx",
        "--data",
        "models/diabetes_test.csv",
        "--rows",
        "0:3",
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ];
    assert!(stdout_of(&args).contains("--output-names"));
    let named: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--output-names", "progression"])
        .collect();
    assert!(!stdout_of(&named).contains("--output-names"));
}

#[test]
fn swapped_model_and_data_are_named_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let err = error_of(
        bin()
            .args([
                "explain",
                "models/wine_keras3.onnx",
                "--data",
                "models/wine_keras3.onnx",
                "--out",
            ])
            .arg(&out),
    );
    assert!(
        err.contains("models/wine_keras3.onnx: `--data` is an ONNX model; expected .csv"),
        "{err}"
    );
    let err = error_of(
        bin()
            .args([
                "explain",
                "models/wine_test.csv",
                "--data",
                "models/wine_keras3.onnx",
                "--out",
            ])
            .arg(&out),
    );
    assert!(
        err.contains("models/wine_test.csv: MODEL is a text (CSV) file, not an ONNX model"),
        "{err}"
    );
    let err = error_of(bin().args([
        "predict",
        "models/diabetes.onnx",
        "--data",
        "models/diabetes.onnx",
    ]));
    assert!(err.contains("`--data` is an ONNX model"), "{err}");
    assert!(!out.exists(), "a failed run created its --out");
}

#[test]
fn a_failed_first_run_leaves_no_empty_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fresh");
    error_of(
        bin()
            .args([
                "explain",
                "models/wine_keras3.onnx",
                "--data",
                "models/no_such.csv",
                "--out",
            ])
            .arg(&out),
    );
    assert!(!out.exists());
    // An existing folder is the user's: it stays.
    std::fs::create_dir(&out).unwrap();
    error_of(
        bin()
            .args([
                "explain",
                "models/wine_keras3.onnx",
                "--data",
                "models/wine_test.csv",
            ])
            .args(["--rows", "0:50", "--out"])
            .arg(&out),
    );
    assert!(out.is_dir());
}

#[test]
fn every_output_gets_a_beeswarm_and_other_features_are_grey() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("digits");
    let extra = ["--rows", "0:2", "--samples", "300"];
    explain_ok(
        "models/ref_dense100.onnx",
        "models/digits10_test.csv",
        &extra,
        &out,
    );
    let swarms = names_starting(&out, "beeswarm_out");
    assert_eq!(swarms.len(), MAX_BEESWARMS.min(10), "{swarms:?}");
    // The global bar's last row sums 80 features over 10 outputs: one grey bar.
    let img = image::open(out.join("global_bar.png")).unwrap().to_rgb8();
    let (top, bottom) = style::row_band(20, style::ROW_HEIGHT);
    let y = (top + bottom) / 2;
    let grey = palette::OTHERS;
    let px: Vec<[u8; 3]> = (330..600).map(|x| img.get_pixel(x, y).0).collect();
    assert!(
        px.iter().all(|p| *p == [grey.0, grey.1, grey.2]),
        "{:?}",
        &px[..4]
    );
}
