//! The built-in trainer: Keras-level accuracy, a valid ONNX export, determinism, clear errors.

use onnx_inspector::data::{read_csv, read_labels};
use onnx_inspector::model::{Model, OnnxModel};
use onnx_inspector::train::{train, write_onnx, TrainOptions};
use predicates::prelude::*;
use serde_json::Value;

fn keras_accuracy() -> f64 {
    let zoo: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string("models/zoo.json").unwrap()).unwrap();
    let entry = zoo
        .iter()
        .find(|e| e["file"] == "ref_dense100.onnx")
        .unwrap();
    entry["test_metric"]["accuracy"].as_f64().unwrap()
}

#[test]
fn reference_recipe_matches_keras_accuracy_and_exports_valid_onnx() {
    let x = read_csv("models/digits10_train.csv").unwrap();
    let y = read_labels("models/digits10_train_labels.csv").unwrap();
    let (net, history) = train(x.values.view(), &y, &TrainOptions::default(), |_| {}).unwrap();
    assert_eq!(history.epochs.len(), 10);
    assert!(history.epochs[9].loss < history.epochs[0].loss);
    let xt = read_csv("models/digits10_test.csv").unwrap();
    let yt = read_labels("models/digits10_test_labels.csv").unwrap();
    let (_, acc) = net.evaluate(xt.values.view(), &yt);
    let keras = keras_accuracy();
    assert!(acc >= keras - 0.02, "test accuracy {acc} vs Keras {keras}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.onnx");
    write_onnx(&path, &net, &history).unwrap();
    for model in [
        OnnxModel::load(&path).unwrap(),
        OnnxModel::load(&path).unwrap().without_fast_path(),
    ] {
        let ours = model.predict(xt.values.view()).unwrap();
        let diff = ours
            .iter()
            .zip(net.predict(xt.values.view()).iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff <= 1e-6, "{diff}");
        let info = model.info();
        assert_eq!(info.inputs[0].dims, vec!["N", "100"]);
        assert_eq!(
            info.ops.keys().cloned().collect::<Vec<_>>(),
            ["Add", "MatMul", "Relu", "Softmax"]
        );
        assert!(info.metadata["recipe"].contains("adam"));
        assert_eq!(info.opset, 13);
    }
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let x = read_csv("models/wine_train.csv").unwrap();
    let y = read_labels("models/wine_train_labels.csv").unwrap();
    let opts = TrainOptions {
        epochs: 3,
        validation_split: 0.2,
        ..TrainOptions::default()
    };
    let run = |seed| {
        let o = TrainOptions {
            seed,
            ..opts.clone()
        };
        train(x.values.view(), &y, &o, |_| {}).unwrap()
    };
    let (a, ha) = run(1);
    let (b, _) = run(1);
    let (c, _) = run(2);
    assert_eq!(a.w1, b.w1);
    assert_eq!(a.w2, b.w2);
    assert_ne!(a.w1, c.w1);
    assert_eq!(ha.validation_rows, (x.values.nrows() as f64 * 0.2) as usize);
    assert!(ha.epochs[0].val_accuracy.is_some());
}

#[test]
fn bad_training_input_gives_clear_errors() {
    let x = read_csv("models/wine_train.csv").unwrap();
    let y = read_labels("models/wine_train_labels.csv").unwrap();
    let err = train(x.values.view(), &y[1..], &TrainOptions::default(), |_| {}).unwrap_err();
    assert!(err.to_string().contains("labels"), "{err}");
    let one_class = vec![1usize; y.len()];
    let err = train(
        x.values.view(),
        &one_class,
        &TrainOptions::default(),
        |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("single class"), "{err}");
    let msg = train_fails("models/wine_test_labels.csv");
    assert!(
        msg.contains("wine_test_labels.csv") && msg.contains("labels for the"),
        "{msg}"
    );
    let msg = train_fails("models/wine_train.csv");
    assert!(msg.contains("one label column"), "{msg}");
}

#[test]
fn cli_writes_model_history_and_curves() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("wine.onnx");
    assert_cmd::Command::cargo_bin("onnx-inspector")
        .unwrap()
        .args([
            "train",
            "--data",
            "models/wine_train.csv",
            "--labels",
            "models/wine_train_labels.csv",
            "--epochs",
            "3",
            "--validation-split",
            "0.2",
            "--test-data",
            "models/wine_test.csv",
            "--test-labels",
            "models/wine_test_labels.csv",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(
            predicates::str::contains("Epoch 3/3").and(predicates::str::contains("val_accuracy")),
        );
    let history: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("wine.history.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(history["epochs"].as_array().unwrap().len(), 3);
    let png = image::open(dir.path().join("wine.history.png"))
        .unwrap()
        .to_rgb8();
    assert_eq!(png.dimensions(), (1000, 440));
    let coloured = png.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    assert!(coloured > 5000, "the curve chart looks blank");
    assert_eq!(OnnxModel::load(&out).unwrap().n_outputs(), 3);
}

/// Runs `train` on the wine data with a labels file that must be rejected; returns stderr.
fn train_fails(labels: &str) -> String {
    let out = assert_cmd::Command::cargo_bin("onnx-inspector")
        .unwrap()
        .args([
            "train",
            "--data",
            "models/wine_train.csv",
            "--labels",
            labels,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{labels} was accepted");
    String::from_utf8_lossy(&out.stderr).to_string()
}
