//! The binary as users run it: info, predict, explain, and clear one-line errors for bad input.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
}

/// Runs a command expected to fail; returns its stderr after checking the exit code and shape.
fn fails(args: &[&str]) -> String {
    // Each failing explain gets its own --out: runs into one folder at once are refused.
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bin();
    cmd.args(args);
    if args.first() == Some(&"explain") && !args.contains(&"--out") {
        cmd.arg("--out").arg(dir.path().join("out"));
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line expected: {err}"
    );
    assert!(err.starts_with("error: "), "{err}");
    err
}

#[test]
fn info_describes_every_zoo_model() {
    let cases = [
        (
            "ref_dense100.onnx",
            "dense_input float [unk__6, 100]",
            "symbolic batch",
        ),
        ("cnn_digits8.onnx", "[unk__41, 8, 8, 1]", "64 per row"),
        (
            "breast_cancer_fixed1.onnx",
            "[1, 30]",
            "re-declared as symbolic",
        ),
        ("wine_keras3.onnx", "Identity:0", "opset:      15"),
        (
            "diabetes.onnx",
            "dense_1 float [unk__22, 1]",
            "parameters: 385",
        ),
        ("breast_cancer.onnx", "Sigmoid", "tf2onnx 1.16.1"),
    ];
    for (file, a, b) in cases {
        let out = bin()
            .args(["info", &format!("models/{file}")])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(a) && text.contains(b), "{file}:\n{text}");
    }
    let out = bin()
        .args(["info", "models/ref_dense100.onnx", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["n_features"], 100);
    assert_eq!(v["output_columns"].as_array().unwrap().len(), 10);
    assert_eq!(v["ops"]["MatMul"], 2);
}

#[test]
fn predict_writes_a_csv_matching_keras() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.csv");
    bin()
        .args([
            "predict",
            "models/diabetes.onnx",
            "--data",
            "models/diabetes_test.csv",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let ours = onnx_inspector::data::read_csv(&out).unwrap();
    let keras = onnx_inspector::data::read_csv("models/diabetes_keras_pred.csv").unwrap();
    assert_eq!(ours.values.dim(), keras.values.dim());
    let diff = ours
        .values
        .iter()
        .zip(&keras.values)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(diff < 1e-5, "{diff}");
}

#[test]
fn bad_data_files_name_the_file_line_and_column() {
    let m = "tests/fixtures/linear4.onnx";
    let cases = [
        ("nan_cell.csv", "line 3, column 3 ('c')"),
        ("inf_cell.csv", "line 3, column 2 ('b')"),
        ("text_cell.csv", "'abc' is not a number"),
        ("ragged.csv", "line 3: 3 fields"),
        ("empty.csv", "empty file"),
        ("header_only.csv", "no data rows"),
    ];
    for (file, expect) in cases {
        let path = format!("tests/fixtures/bad/{file}");
        let err = fails(&["predict", m, "--data", &path]);
        assert!(err.contains(&path) && err.contains(expect), "{file}: {err}");
    }
    let err = fails(&[
        "predict",
        "models/diabetes.onnx",
        "--data",
        "models/wine_test.csv",
    ]);
    assert!(
        err.contains("13 columns") && err.contains("10 values per row"),
        "{err}"
    );
    let err = fails(&["predict", m, "--data", "no/such.csv"]);
    assert!(err.contains("no/such.csv"), "{err}");
}

#[test]
fn bad_models_and_options_fail_cleanly() {
    for f in ["mixed_batch", "bool_input", "unsupported_op", "not_onnx"] {
        let path = format!("tests/fixtures/bad/{f}.onnx");
        let err = fails(&["info", &path]);
        assert!(err.contains(&path), "{err}");
    }
    let base = [
        "explain",
        "models/diabetes.onnx",
        "--data",
        "models/diabetes_test.csv",
        "--quiet",
    ];
    let with = |extra: &[&str]| -> String {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        fails(&a)
    };
    assert!(with(&["--rows", "0:500"]).contains("out of range"));
    assert!(
        with(&["--background", "models/wine_test.csv"]).contains("the background has 13 columns")
    );
    assert!(with(&["--method", "kernel", "--samples", "5"]).contains("too small"));
    let err = fails(&[
        "explain",
        "models/ref_dense100.onnx",
        "--data",
        "models/digits10_test.csv",
        "--method",
        "exact",
        "--rows",
        "0",
        "--quiet",
    ]);
    assert!(
        err.contains("--method: ") && err.contains("kernel or permutation"),
        "{err}"
    );
}

#[test]
fn explain_writes_a_complete_explanations_json() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args([
            "explain",
            "models/breast_cancer.onnx",
            "--data",
            "models/breast_cancer_test.csv",
            "--background",
            "models/breast_cancer_train.csv",
            "--rows",
            "0:3",
            "--method",
            "kernel",
            "--seed",
            "7",
            "--threads",
            "2",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("top features"));
    let text = std::fs::read_to_string(dir.path().join("explanations.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["feature_names"][0], "mean radius");
    assert_eq!(v["values"].as_array().unwrap().len(), 3);
    assert_eq!(v["values"][0].as_array().unwrap().len(), 30);
    assert_eq!(v["values"][0][0].as_array().unwrap().len(), 1);
    assert_eq!(v["stderr"][2][29].as_array().unwrap().len(), 1);
    assert_eq!(v["meta"]["method"], "kernel");
    assert_eq!(v["meta"]["budget"], 2 * 30 + 2048);
    assert_eq!(v["meta"]["background"]["kind"], "file");
    assert_eq!(v["meta"]["model_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["summary"][0]["ranking"].as_array().unwrap().len(), 30);
    // Efficiency: Σφ = f(x) − base for each row.
    for r in 0..3 {
        let s: f64 = v["values"][r]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f[0].as_f64().unwrap())
            .sum();
        let gap = s
            - (v["predictions"][r][0].as_f64().unwrap() - v["base_values"][r][0].as_f64().unwrap());
        assert!(gap.abs() < 1e-5, "row {r}: {gap}");
    }
    // Default charts beside the JSON, and no temporary file left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    for chart in [
        "global_bar.png",
        "waterfall_row0_out0.png",
        "beeswarm_out0.png",
    ] {
        assert!(
            names.iter().any(|n| n == chart),
            "{chart} missing: {names:?}"
        );
    }
}

#[test]
fn demo_runs_with_no_arguments_but_an_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(["demo", "--rows", "0:2", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("kernel SHAP").and(predicates::str::contains("LIME")));
    for (sub, method) in [("shap", "kernel"), ("lime", "lime")] {
        let text = std::fs::read_to_string(dir.path().join(sub).join("explanations.json")).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["meta"]["method"], method);
        assert_eq!(v["output_names"][7], "digit 7");
        assert_eq!(v["values"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn labels_restrict_the_explained_outputs() {
    // The explained outputs are exactly the model's columns 2 and 0, in that order, with the
    // same attributions as a run over every output (same seed, same draws).
    let dir = tempfile::tempdir().unwrap();
    let run = |labels: Option<&str>, sub: &str| -> Value {
        let mut c = bin();
        c.args([
            "explain",
            "models/wine_keras3.onnx",
            "--data",
            "models/wine_test.csv",
            "--rows",
            "0:2",
            "--method",
            "permutation",
            // The default stopping rule reads the explained outputs' errors: off, so both runs
            // spend the same budget.
            "--se-target",
            "0",
            "--quiet",
            "--no-charts",
            "--out",
        ])
        .arg(dir.path().join(sub));
        if let Some(l) = labels {
            c.args(["--labels", l]);
        }
        c.assert().success();
        let text = std::fs::read_to_string(dir.path().join(sub).join("explanations.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let all = run(None, "all");
    let some = run(Some("2,0"), "some");
    assert_eq!(some["meta"]["output_indices"], serde_json::json!([2, 0]));
    assert_eq!(some["output_names"][0], all["output_names"][2]);
    assert_eq!(some["output_names"][1], all["output_names"][0]);
    for r in 0..2 {
        assert_eq!(some["predictions"][r][0], all["predictions"][r][2]);
        for j in 0..13 {
            assert_eq!(some["values"][r][j].as_array().unwrap().len(), 2);
            assert_eq!(some["values"][r][j][0], all["values"][r][j][2]);
            assert_eq!(some["values"][r][j][1], all["values"][r][j][0]);
        }
    }
    // Names work as labels too; unknown ones are a one-line error listing the outputs.
    let name = all["output_names"][1].as_str().unwrap().to_string();
    assert_eq!(
        run(Some(&name), "named")["meta"]["output_indices"],
        serde_json::json!([1])
    );
    let err = fails(&[
        "explain",
        "models/wine_keras3.onnx",
        "--data",
        "models/wine_test.csv",
        "--labels",
        "9",
        "--quiet",
    ]);
    assert!(
        err.contains("--labels: '9'") && err.contains("index below 3"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_without_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    // A run of many seconds: every digit, a large budget, one thread.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("onnx-inspector"))
        .args([
            "explain",
            "models/ref_dense100.onnx",
            "--data",
            "models/digits10_test.csv",
            "--method",
            "permutation",
            "--samples",
            "20000",
            "--threads",
            "1",
            "--out",
        ])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended too soon"
    );
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // Progress lines (stderr is not a terminal) may come first; the error is the last line.
    assert_eq!(err.trim_end().lines().last(), Some("error: interrupted"));
    // No explanations.json and no temporary file; the manifest says the run is unfinished
    // (so that --resume can finish it).
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["attributions", "manifest.json", "parts"],
        "files left behind"
    );
    for sub in ["attributions", "parts"] {
        let inside: Vec<_> = std::fs::read_dir(dir.path().join(sub)).unwrap().collect();
        assert!(inside.is_empty(), "{sub}: {inside:?}");
    }
    let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    assert!(manifest.contains("\"complete\": false"), "{manifest}");
}

#[test]
fn tolerance_must_be_positive() {
    let err = fails(&[
        "explain",
        "models/breast_cancer.onnx",
        "--data",
        "models/breast_cancer_test.csv",
        "--tolerance",
        "0",
        "--quiet",
    ]);
    assert!(
        err.contains("--tolerance: must be a positive number"),
        "{err}"
    );
}

#[test]
fn a_semicolon_separated_csv_gets_a_short_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("semi.csv");
    let header: Vec<String> = (0..30).map(|j| format!("feature_{j}")).collect();
    let row: Vec<String> = (0..30).map(|j| format!("{}.25", j)).collect();
    std::fs::write(&path, format!("{}\n{}\n", header.join(";"), row.join(";"))).unwrap();
    let err = fails(&[
        "predict",
        "models/breast_cancer.onnx",
        "--data",
        path.to_str().unwrap(),
    ]);
    assert!(
        err.contains("';'-separated") || err.contains(";-separated"),
        "{err}"
    );
    assert!(err.len() < 300, "{} characters: {err}", err.len());
}

#[test]
fn categorical_names_resolve_against_the_header() {
    let base = [
        "explain",
        "models/breast_cancer.onnx",
        "--data",
        "models/breast_cancer_test.csv",
        "--rows",
        "0:1",
        "--quiet",
        "--no-charts",
    ];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        fails(&a)
    };
    let err = with(&["--method", "lime", "--categorical", "nope"]);
    assert!(
        err.contains("--categorical: 'nope' is neither a feature name"),
        "{err}"
    );
    let err = with(&["--method", "kernel", "--categorical", "mean radius"]);
    assert!(err.contains("--categorical: applies to LIME only"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let mut a = base.to_vec();
    a.extend_from_slice(&[
        "--method",
        "lime",
        "--categorical",
        "mean radius,3",
        "--out",
    ]);
    bin().args(&a).arg(dir.path()).assert().success();
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("explanations.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        v["meta"]["options"]["categorical"],
        serde_json::json!([0, 3])
    );
}
