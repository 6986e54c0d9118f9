//! The 32x32x3 zoo models through the binary: `info` shows their shape and optimiser pipeline,
//! `explain` keeps the image shape and draws it, and a budget too small for 3072 pixels is refused.

use assert_cmd::Command;
use serde_json::Value;

fn bin() -> Command {
    Command::cargo_bin("onnx-inspector").unwrap()
}

#[test]
fn info_shows_the_image_shape_and_the_optimiser_pipeline() {
    for (file, pipeline) in [
        ("resnet_small.onnx", "optimiser:  reduced ("),
        ("mobilenet_block.onnx", "optimiser:  full ("),
        ("digits32_cnn.onnx", "optimiser:  full ("),
    ] {
        let out = bin()
            .args(["info", &format!("models/{file}")])
            .output()
            .unwrap();
        assert!(out.status.success(), "{file}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(", 32, 32, 3]"), "{file}:\n{text}");
        assert!(text.contains("features:   3072 per row"), "{file}:\n{text}");
        assert!(text.contains(pipeline), "{file}:\n{text}");
    }
}

#[test]
fn explaining_a_digit_image_keeps_its_shape_and_draws_it() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("run");
    // The smallest permutation budget for 3072 pixels, one background image: about 12k model rows.
    let out = bin()
        .args([
            "explain",
            "models/digits32_cnn.onnx",
            "--data",
            "models/digits32_test.csv",
            "--method",
            "permutation",
            "--samples",
            "12284",
            "--background-size",
            "1",
            "--rows",
            "0",
            "--quiet",
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(out_dir.join("explanations.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["meta"]["row_shape"], serde_json::json!([32, 32, 3]));
    assert_eq!(v["feature_names"].as_array().unwrap().len(), 3072);
    assert_eq!(v["feature_names"][3071], "px_31_31_2");
    // Row 0 of the test CSV is a 7 (digits32_test_labels.csv), and the trained model says so.
    let pred: Vec<f64> = v["predictions"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_f64().unwrap())
        .collect();
    let best = (0..10)
        .max_by(|&a, &b| pred[a].total_cmp(&pred[b]))
        .unwrap();
    assert_eq!(best, 7, "{pred:?}");
    // Permutation SHAP is efficient: the pixels' φ add up to f(x) − f(background) per output.
    let values = v["values"][0].as_array().unwrap();
    for k in 0..10 {
        let sum: f64 = values.iter().map(|f| f[k].as_f64().unwrap()).sum();
        let gap = pred[k] - v["base_values"][0][k].as_f64().unwrap();
        assert!((sum - gap).abs() < 1e-4, "output {k}: {sum} vs {gap}");
    }
    assert!(out_dir.join("image_out7.png").exists());
}

#[test]
fn a_per_pixel_budget_too_small_for_an_image_is_refused_in_one_line() {
    let out = bin()
        .args([
            "explain",
            "models/mobilenet_block.onnx",
            "--data",
            "models/digits32_test.csv",
            "--method",
            "permutation",
            "--samples",
            "200",
            "--rows",
            "0:2",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("--samples 200 is too small") && err.contains("3072 features"),
        "{err}"
    );
}
