//! A Keras Embedding's integer input is fed from the same f32 rows: whole numbers pass exactly,
//! anything else is a one-line error instead of a silent truncation.

mod common;

use onnx_inspector::data::read_csv;
use onnx_inspector::explain::{Explainer, ShapExplainer, ShapMethod};
use onnx_inspector::model::{InputType, Model, OnnxModel};

const MODEL: &str = "tests/fixtures/embedding_ids.onnx";

#[test]
fn an_embedding_model_reproduces_keras_from_csv_ids() {
    let model = OnnxModel::load(MODEL).unwrap();
    assert_eq!(model.input_type(), InputType::Int32);
    assert!(model.info().inputs[0].elem_type.contains("int32"));
    let x = read_csv("tests/fixtures/embedding_ids.csv").unwrap().values;
    let keras = read_csv("tests/fixtures/embedding_ids_keras_pred.csv")
        .unwrap()
        .values;
    let ours = model.predict(x.view()).unwrap();
    let diff = ours
        .iter()
        .zip(keras.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 1e-6, "max |ours - keras| = {diff}");
}

#[test]
fn a_value_that_is_not_a_whole_number_is_refused_with_its_place() {
    let model = OnnxModel::load(MODEL).unwrap();
    let mut x = read_csv("tests/fixtures/embedding_ids.csv").unwrap().values;
    x[[2, 3]] = 4.5;
    let err = model.predict(x.view()).unwrap_err().to_string();
    assert!(err.contains("embedding_ids.onnx"), "{err}");
    assert!(err.contains("takes int32 values"), "{err}");
    assert!(
        err.contains("row 2") && err.contains("4.5 in column 3"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn exact_shapley_values_over_ids_add_up() {
    let model = OnnxModel::load(MODEL).unwrap();
    let x = read_csv("tests/fixtures/embedding_ids.csv").unwrap().values;
    let (rows, bg) = (
        x.slice(ndarray::s![0..3, ..]),
        x.slice(ndarray::s![3.., ..]),
    );
    let e = ShapExplainer::new(&model, bg)
        .method(ShapMethod::Exact)
        .explain(rows)
        .unwrap();
    // The explainer's f(x) is the model's, and the attributions add up to f(x) − E[f(bg)].
    let f = model.predict(rows).unwrap().mapv(f64::from);
    assert!((&e.predictions - &f).iter().all(|d| d.abs() < 1e-6));
    let gap = common::efficiency_gap(&e);
    assert!(gap < 1e-6, "efficiency gap {gap}");
}

#[test]
fn an_int64_input_takes_whole_numbers_exactly() {
    // x int64 [N, 4] -> Cast(float): the identity on whole numbers.
    let model = OnnxModel::load("tests/fixtures/int64_cast.onnx").unwrap();
    assert_eq!(model.input_type(), InputType::Int64);
    let x = ndarray::array![[1.0f32, -2.0, 0.0, 16_777_216.0], [3.0, 4.0, 5.0, -6.0]];
    assert_eq!(model.predict(x.view()).unwrap(), x);
}
