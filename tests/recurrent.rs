//! A Keras LSTM: tract types its graph only at a concrete batch (the zero initial state is
//! shaped from the batch), and its plan keeps the hidden state between runs, so every call must
//! start from a fresh state.

mod common;

use ndarray::s;
use onnx_inspector::data::read_csv;
use onnx_inspector::explain::{Explainer, ShapExplainer, ShapMethod};
use onnx_inspector::model::{BatchMode, Model, OnnxModel, PADDED_BATCH};

const MODEL: &str = "models/lstm_digits8.onnx";

fn max_diff(a: impl IntoIterator<Item = f32>, b: impl IntoIterator<Item = f32>) -> f32 {
    a.into_iter()
        .zip(b)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f32::max)
}

#[test]
fn an_lstm_runs_at_a_padded_batch_and_says_so() {
    let model = OnnxModel::load(MODEL).unwrap();
    assert_eq!(
        model.batch_mode(),
        &BatchMode::Padded { size: PADDED_BATCH }
    );
    assert!(
        model.info().batch_mode.contains("padded"),
        "{}",
        model.info().batch_mode
    );
    assert_eq!(model.row_shape(), vec![8, 8]);
}

#[test]
fn every_call_starts_from_a_fresh_hidden_state() {
    let model = OnnxModel::load(MODEL).unwrap();
    let x = read_csv("models/digits8_test.csv").unwrap().values;
    let keras = read_csv("models/lstm_digits8_keras_pred.csv")
        .unwrap()
        .values;
    let rows = x.slice(s![0..5, ..]);
    // The same rows again and again, alone and among others: a state carried over from an
    // earlier run would change every later answer.
    let first = model.predict(rows).unwrap();
    for _ in 0..3 {
        let again = model.predict(rows).unwrap();
        assert_eq!(first, again);
    }
    let one_by_one: Vec<f32> = (0..5)
        .flat_map(|r| {
            model
                .predict(x.slice(s![r..r + 1, ..]))
                .unwrap()
                .into_iter()
        })
        .collect();
    assert!(max_diff(one_by_one, first.iter().copied()) < 1e-6);
    // And against Keras, over more rows than one padded call holds.
    let all = model.predict(x.view()).unwrap();
    assert!(x.nrows() > PADDED_BATCH);
    let diff = max_diff(all.iter().copied(), keras.iter().copied());
    assert!(diff < 1e-5, "max |ours - keras| = {diff}");
}

#[test]
fn shapley_values_of_an_lstm_add_up_to_its_output() {
    let model = OnnxModel::load(MODEL).unwrap();
    let x = read_csv("models/digits8_test.csv").unwrap().values;
    let bg = read_csv("models/digits8_train.csv").unwrap().values;
    let bg = bg.slice(s![0..20, ..]);
    let rows = x.slice(s![0..2, ..]);
    let e = ShapExplainer::new(&model, bg)
        .method(ShapMethod::Permutation)
        .samples(600)
        .explain(rows)
        .unwrap();
    // The explainer's f(x) is the model's, and the attributions add up to f(x) − E[f(bg)].
    let f = model.predict(rows).unwrap().mapv(f64::from);
    assert!((&e.predictions - &f).iter().all(|d| d.abs() < 1e-6));
    let gap = common::efficiency_gap(&e);
    assert!(gap < 1e-4, "efficiency gap {gap}");
}
