//! Image players: patches of pixels as players, hidden patches filled by background rows or by
//! the image's own blur / mean / zero fill; checked on the bundled CNNs.

use assert_cmd::Command;
use serde_json::Value;

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
}

fn explain(model: &str, data: &str, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .args([
            "explain",
            model,
            "--data",
            data,
            "--quiet",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .args(extra)
        .assert()
        .success();
    serde_json::from_str(&std::fs::read_to_string(out.join("explanations.json")).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn one_pixel_patches_equal_the_per_pixel_explanation() {
    // 8x8x1: a 1-pixel patch is a single feature, so the game is the per-feature one.
    let args = [
        "--rows",
        "0:2",
        "--method",
        "permutation",
        "--samples",
        "300",
    ];
    let plain = explain("models/cnn_digits8.onnx", "models/digits8_test.csv", &args);
    let mut with_patch = args.to_vec();
    with_patch.extend(["--patch", "1"]);
    let patched = explain(
        "models/cnn_digits8.onnx",
        "models/digits8_test.csv",
        &with_patch,
    );
    assert_eq!(plain["values"], patched["values"]);
    assert_eq!(patched["feature_names"][9], "patch r1 c1");
    assert_eq!(patched["groups"][9], serde_json::json!([9]));
}

#[test]
fn patches_with_each_fill_keep_efficiency_against_their_own_base() {
    let data = "models/digits32_test.csv";
    let mut bases = vec![];
    for mask in ["background", "blur", "blur(5,5)", "mean", "zero"] {
        let doc = explain(
            "models/digits32_cnn.onnx",
            data,
            &[
                "--rows",
                "0:2",
                "--patch",
                "8",
                "--mask",
                mask,
                "--method",
                "permutation",
                "--samples",
                "150",
                "--background-size",
                "6",
            ],
        );
        assert_eq!(doc["feature_names"].as_array().unwrap().len(), 16, "{mask}");
        assert_eq!(
            doc["data"][0].as_array().unwrap().len(),
            32 * 32 * 3,
            "{mask}"
        );
        for r in 0..2 {
            let fx = floats(&doc["predictions"][r]);
            let base = floats(&doc["base_values"][r]);
            for o in 0..10 {
                let sum: f64 = doc["values"][r]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v[o].as_f64().unwrap())
                    .sum();
                assert!(
                    (sum - (fx[o] - base[o])).abs() < 1e-5,
                    "{mask} row {r} output {o}"
                );
            }
        }
        bases.push((
            mask,
            floats(&doc["base_values"][0]),
            floats(&doc["base_values"][1]),
        ));
    }
    // Background: E f over shared rows, the same for both rows; a fill: f(fill of the row).
    assert_eq!(bases[0].1, bases[0].2);
    for (mask, b0, b1) in &bases[1..] {
        if *mask != "zero" {
            assert_ne!(b0, b1, "{mask}: each row has its own fill");
        }
    }
    // zero: the same all-zero image for every row.
    assert_eq!(bases[4].1, bases[4].2);
}

#[test]
fn lime_on_patches_follows_lime_image() {
    let doc = explain(
        "models/digits32_cnn.onnx",
        "models/digits32_test.csv",
        &[
            "--rows", "0", "--patch", "8", "--mask", "mean", "--method", "lime", "--labels", "0,7",
        ],
    );
    assert_eq!(doc["meta"]["budget"], 1000, "lime_image's 1000 samples");
    assert_eq!(doc["meta"]["options"]["kernel_width"], 0.25);
    // Every patch that differs from its fill gets a weight (lime_image keeps them all), not
    // lime_tabular's 10; uniform patches equal their mean fill and are left out.
    let terms = doc["lime"][0]["outputs"][0]["features"].as_array().unwrap();
    assert!(terms.len() > 10 && terms.len() <= 16, "{}", terms.len());
}

#[test]
fn image_options_are_checked() {
    let run = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let out = bin()
            .args(["explain", "models/breast_cancer.onnx", "--data"])
            .arg("models/breast_cancer_test.csv")
            .args(["--rows", "0", "--quiet", "--no-charts", "--out"])
            .arg(dir.path().join("o"))
            .args(extra)
            .assert()
            .failure();
        String::from_utf8_lossy(&out.get_output().stderr).to_string()
    };
    assert!(run(&["--patch", "2"]).contains("not images"));
    assert!(run(&["--patch", "2", "--image-shape", "5x5x1"]).contains("25 values"));
    assert!(run(&["--mask", "fog"]).contains("--mask"));
    assert!(run(&["--mask", "blur"]).contains("--patch"));
}

#[test]
fn auto_on_patches_is_partition_or_exact_when_every_coalition_fits() {
    let run = |patch: &str| {
        explain(
            "models/digits32_cnn.onnx",
            "models/digits32_test.csv",
            &["--rows", "0:2", "--patch", patch, "--mask", "blur"],
        )
    };
    let partition = run("4");
    assert_eq!(partition["meta"]["method"], "partition");
    assert_eq!(partition["meta"]["budget"], 500, "shap's max_evals");
    for r in 0..2 {
        let fx = floats(&partition["predictions"][r]);
        let base = floats(&partition["base_values"][r]);
        let sum: f64 = partition["values"][r]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v[7].as_f64().unwrap())
            .sum();
        assert!(
            (sum - (fx[7] - base[7])).abs() < 1e-6,
            "row {r}: Owen values are efficient"
        );
    }
    // 16-pixel patches of a 32x32 image: 4 players, 14 coalitions, exact.
    assert_eq!(run("16")["meta"]["method"], "exact");
}
