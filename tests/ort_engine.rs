//! The onnxruntime engine (`--features ort`): results independent of the thread count, `info`
//! and `meta` name it, and a missing library is a one-line error.
#![cfg(feature = "ort")]

use assert_cmd::Command;
use onnx_inspector::data::read_csv;
use onnx_inspector::model::{Engine, Model, OnnxModel};

#[test]
fn onnxruntime_results_do_not_depend_on_the_thread_count() {
    let model = OnnxModel::load_with("models/cnn_digits8.onnx", Engine::Ort).unwrap();
    assert!(
        model.info().engine.starts_with("onnxruntime "),
        "{}",
        model.info().engine
    );
    let x = read_csv("models/digits8_train.csv").unwrap().values;
    // Several chunks of rows, so that workers really run sessions side by side.
    let rows = ndarray::concatenate(ndarray::Axis(0), &[x.view(), x.view(), x.view()]).unwrap();
    assert!(rows.nrows() > 2 * 1024, "{} rows", rows.nrows());
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| model.predict(rows.view()).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
    let tract = OnnxModel::load_with("models/cnn_digits8.onnx", Engine::Tract).unwrap();
    let reference = tract.predict(rows.view()).unwrap();
    let diff = one
        .iter()
        .zip(reference.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff <= 1e-5, "onnxruntime vs tract: {diff}");
}

#[test]
fn explain_records_the_engine_in_meta() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("onnx-inspector")
        .unwrap()
        .args([
            "explain",
            "models/cnn_digits8.onnx",
            "--data",
            "models/digits8_test.csv",
        ])
        .args([
            "--rows",
            "0:2",
            "--samples",
            "300",
            "--engine",
            "ort",
            "--quiet",
            "--no-charts",
        ])
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("explanations.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["meta"]["engine"], "ort");
}

#[test]
fn a_missing_library_is_a_one_line_error_naming_it() {
    let out = Command::cargo_bin("onnx-inspector")
        .unwrap()
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")
        .args(["info", "models/cnn_digits8.onnx", "--engine", "ort"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("ORT_DYLIB_PATH=/nonexistent/libonnxruntime.so is not a file"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // auto falls back to a verified engine and says why onnxruntime was not used.
    let out = Command::cargo_bin("onnx-inspector")
        .unwrap()
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")
        .args(["info", "models/cnn_digits8.onnx"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    // (The sequential CNN's verified fallback is the conv fast path.)
    assert!(text.contains("engine:     conv fast path"), "{text}");
    assert!(text.contains("; not used: ort: ORT_DYLIB_PATH"), "{text}");
}
