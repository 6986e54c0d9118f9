//! Messages about the players and the settings that ignore them: a budget error names what the
//! players are (features, feature groups, patches, superpixels), and `--tolerance` is refused
//! by estimators asked for by name that ignore it, and noted (and recorded) when `auto` picks one.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const IMAGES: [&str; 3] = [
    "models/digits32_cnn.onnx",
    "--data",
    "models/digits32_test.csv",
];
const TABLE: [&str; 3] = ["models/diabetes.onnx", "--data", "models/diabetes_test.csv"];

/// Runs `explain` on row 0 of a model and its data into `out`: (success, stderr).
fn explain(model: [&str; 3], out: &Path, extra: &[&str]) -> (bool, String) {
    let run = Command::cargo_bin("onnx-inspector")
        .unwrap()
        .arg("explain")
        .args(model)
        .args([
            "--rows",
            "0",
            "--background-size",
            "2",
            "--no-charts",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8(run.stderr).unwrap();
    (run.status.success(), stderr)
}

/// The one-line error of a run that must fail.
fn error(model: [&str; 3], extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stderr) = explain(model, &dir.path().join("out"), extra);
    assert!(!ok, "{extra:?} succeeded");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    stderr
}

fn meta(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("explanations.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["meta"].clone()
}

#[test]
fn a_budget_too_small_names_what_the_players_are() {
    let dir = tempfile::tempdir().unwrap();
    let groups = dir.path().join("groups.json");
    std::fs::write(&groups, r#"{"ab": [0, 1], "cd": [2, 3]}"#).unwrap();
    let kernel5 = ["--method", "kernel", "--samples", "5"];
    let err = error(TABLE, &kernel5);
    assert!(
        err.contains("--samples 5 is too small for kernel SHAP on 10 features: give at least 11"),
        "{err}"
    );
    let with_groups = [&kernel5[..], &["--groups", groups.to_str().unwrap()]].concat();
    let err = error(TABLE, &with_groups);
    assert!(
        err.contains("on 8 players (feature groups): give at least 9"),
        "{err}"
    );
    let err = error(IMAGES, &[&kernel5[..], &["--patch", "4"]].concat());
    assert!(
        err.contains("on 64 players (patches): give at least 65"),
        "{err}"
    );
    let err = error(
        IMAGES,
        &[
            "--superpixels",
            "20",
            "--method",
            "permutation",
            "--samples",
            "5",
        ],
    );
    assert!(
        err.contains("players (superpixels): give at least"),
        "{err}"
    );
    let err = error(IMAGES, &["--patch", "4", "--method", "exact"]);
    assert!(
        err.contains("of 64 players (patches) need 2^64 coalitions"),
        "{err}"
    );
}

#[test]
fn a_tolerance_is_refused_by_the_estimators_asked_for_that_ignore_it() {
    for (model, extra) in [
        (TABLE, &["--method", "exact"][..]),
        (TABLE, &["--method", "lime"][..]),
        (IMAGES, &["--method", "partition", "--patch", "4"][..]),
    ] {
        let err = error(model, &[extra, &["--tolerance", "0.05"]].concat());
        assert!(
            err.contains(
                "--tolerance: applies only to the sampling estimators kernel and permutation"
            ),
            "{extra:?}: {err}"
        );
    }
}

#[test]
fn a_tolerance_auto_leaves_unused_is_noted_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (model, extra, method) in [
        (TABLE, &[][..], "exact"),
        (IMAGES, &["--patch", "4"][..], "partition"),
        (IMAGES, &["--patch", "16"][..], "exact"),
    ] {
        let (ok, stderr) = explain(model, &out, &[extra, &["--tolerance", "0.05"]].concat());
        assert!(ok, "{stderr}");
        let note = format!("note: --tolerance 0.05 is unused: auto picked {method} (");
        assert_eq!(stderr.matches(&note).count(), 1, "{extra:?}: {stderr}");
        let meta = meta(&out);
        assert_eq!(meta["method"], method);
        assert_eq!(meta["tolerance"], 0.05);
        assert_eq!(meta["tolerance_used"], false, "{extra:?}");
    }
    let (ok, stderr) = explain(TABLE, &out, &["--tolerance", "0.05", "--quiet"]);
    assert!(ok && !stderr.contains("note:"), "{stderr}");
    let (ok, stderr) = explain(TABLE, &out, &["--tolerance", "0.05", "--method", "kernel"]);
    assert!(ok && !stderr.contains("note:"), "{stderr}");
    assert_eq!(meta(&out)["tolerance_used"], true);
    let (ok, stderr) = explain(TABLE, &out, &[]);
    assert!(ok, "{stderr}");
    assert!(meta(&out).get("tolerance_used").is_none());
}
