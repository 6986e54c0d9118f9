//! The conv engine: Keras CNNs (sequential, or graphs with residual adds, pads and depthwise
//! convolutions) run natively, equal to tract and to Keras; other graphs are left to tract, and
//! asking for conv on them is a one-line error.

use ndarray::Array2;
use onnx_inspector::data::read_csv;
use onnx_inspector::model::{Engine, Model, OnnxModel};
use serde_json::Value;

/// The bundled CNNs (two sequential, a residual network and a depthwise MobileNet block) with
/// their test rows and Keras' predictions.
const CNNS: [(&str, &str, &str); 4] = [
    (
        "models/digits32_cnn.onnx",
        "models/digits32_test.csv",
        "models/digits32_cnn_keras_pred.csv",
    ),
    (
        "models/cnn_digits8.onnx",
        "models/digits8_test.csv",
        "models/cnn_digits8_keras_pred.csv",
    ),
    (
        "models/resnet_small.onnx",
        "models/digits32_test.csv",
        "models/resnet_small_keras_pred.csv",
    ),
    (
        "models/mobilenet_block.onnx",
        "models/digits32_test.csv",
        "models/mobilenet_block_keras_pred.csv",
    ),
];

fn max_diff(a: &Array2<f32>, b: &Array2<f32>) -> f32 {
    assert_eq!(a.dim(), b.dim());
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn bundled_cnns_run_on_the_conv_engine_like_tract_and_keras() {
    for (file, test_csv, keras_csv) in CNNS {
        let auto = OnnxModel::load(file).unwrap();
        // Without onnxruntime in this build, auto picks conv; with it, ort comes first.
        if !Engine::ort_compiled() {
            assert_eq!(auto.engine(), Engine::Conv, "{file}");
            assert!(auto.info().engine.starts_with("conv"), "{file}");
        }
        let conv = OnnxModel::load_with(file, Engine::Conv).unwrap();
        assert_eq!(conv.engine(), Engine::Conv);
        let tract = OnnxModel::load_with(file, Engine::Tract).unwrap();
        let x = read_csv(test_csv).unwrap().values;
        let keras = read_csv(keras_csv).unwrap().values;
        let ours = conv.predict(x.view()).unwrap();
        let theirs = tract.predict(x.view()).unwrap();
        let scale = keras.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        assert!(
            max_diff(&ours, &theirs) <= 1e-5 * scale,
            "{file}: conv vs tract"
        );
        assert!(
            max_diff(&ours, &keras) <= 1e-5 * scale,
            "{file}: conv vs keras"
        );
        // Odd batch sizes (sub-batches of images, one image) give the same rows.
        for n in [1usize, 7, 33] {
            let part = conv.predict(x.slice(ndarray::s![..n, ..])).unwrap();
            let whole = ours.slice(ndarray::s![..n, ..]).to_owned();
            assert!(max_diff(&part, &whole) < 1e-6, "{file}: batch {n}");
        }
    }
}

#[test]
fn graphs_without_convolutions_are_not_for_the_conv_engine() {
    let file = "models/ref_dense100.onnx";
    let auto = OnnxModel::load(file).unwrap();
    assert_ne!(auto.engine(), Engine::Conv, "{file}");
    // `info` says nothing of conv for a model without convolutions.
    assert!(
        !auto.info().engine.contains("conv"),
        "{}",
        auto.info().engine
    );
    let err = OnnxModel::load_with(file, Engine::Conv)
        .err()
        .unwrap_or_else(|| panic!("{file} loaded with --engine conv"))
        .to_string();
    assert!(err.contains(file), "{err}");
    assert!(err.contains("--engine conv cannot run this model"), "{err}");
    assert!(err.contains("has no convolution"), "{file}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn conv_on_a_dense_network_is_a_one_line_cli_error() {
    let out = assert_cmd::Command::cargo_bin("onnx-inspector")
        .unwrap()
        .args(["info", "models/ref_dense100.onnx", "--engine", "conv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("models/ref_dense100.onnx"), "{err}");
}

/// φ and meta of `explain --method partition --patch 4` on 2 digits32 images by `model` with
/// `engine`.
fn explain_digits32(model: &str, engine: &str) -> (Vec<f64>, Value) {
    let out = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("onnx-inspector")
        .unwrap()
        .args(["explain", model])
        .args(["--data", "models/digits32_test.csv", "--rows", "0:2"])
        .args(["--method", "partition", "--patch", "4", "--samples", "60"])
        .args(["--engine", engine, "--no-charts", "--quiet", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(out.path().join("explanations.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let values = json["values"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter())
        .flat_map(|player| player.as_array().unwrap().iter())
        .map(|v| v.as_f64().unwrap())
        .collect();
    (values, json["meta"].clone())
}

#[test]
fn explaining_with_conv_gives_tracts_attributions() {
    // A sequential CNN (the chain form) and a depthwise block (the graph form).
    for model in ["models/digits32_cnn.onnx", "models/mobilenet_block.onnx"] {
        let (conv, meta) = explain_digits32(model, "conv");
        let (tract, _) = explain_digits32(model, "tract");
        assert_eq!(meta["engine"], "conv");
        assert_eq!(conv.len(), tract.len());
        assert!(
            conv.iter().any(|v| v.abs() > 1e-3),
            "{model}: attributions are not all zero"
        );
        for (i, (a, b)) in conv.iter().zip(&tract).enumerate() {
            assert!(
                (a - b).abs() < 1e-5,
                "{model} value {i}: conv {a}, tract {b}"
            );
        }
    }
}

#[test]
fn channels_first_input_same_padding_dilation_and_average_pooling_match_tract() {
    // tests/fixtures/make_conv_nchw_model.py: NCHW input, auto_pad SAME_UPPER with stride 2,
    // dilation 2, Tanh, a per-channel Mul, AveragePool counting the padding, Sigmoid, and a
    // channels-first Flatten before a Gemm.
    let file = "tests/fixtures/conv_nchw.onnx";
    let auto = OnnxModel::load(file).unwrap();
    if !Engine::ort_compiled() {
        assert_eq!(auto.engine(), Engine::Conv, "{}", auto.info().engine);
    }
    let conv = OnnxModel::load_with(file, Engine::Conv).unwrap();
    let tract = OnnxModel::load_with(file, Engine::Tract).unwrap();
    assert_eq!(conv.n_features(), 2 * 7 * 6);
    let x = Array2::from_shape_fn((50, conv.n_features()), |(i, j)| {
        ((i * 37 + j * 11) % 23) as f32 / 5.0 - 2.0
    });
    let (ours, theirs) = (
        conv.predict(x.view()).unwrap(),
        tract.predict(x.view()).unwrap(),
    );
    assert!(
        max_diff(&ours, &theirs) <= 1e-5,
        "{}",
        max_diff(&ours, &theirs)
    );
    // The rows are not all alike, so the check has something to compare.
    assert!(ours
        .column(0)
        .iter()
        .any(|&v| (v - ours[[0, 0]]).abs() > 1e-3));
}
