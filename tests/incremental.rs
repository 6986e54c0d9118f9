//! The incremental first-layer evaluator: same attributions as whole-row evaluation on every zoo
//! model and estimator, actually taken when the model allows it, and skipping unchanged rows.

mod common;

use common::*;
use ndarray::{Array1, Array2, ArrayView2};
use onnx_inspector::data::read_csv;
use onnx_inspector::error::Result;
use onnx_inspector::explain::{
    Estimator, Evaluator, Explainer, Explanation, ShapExplainer, ShapMethod, ShapParams,
};
use onnx_inspector::model::{FirstLinear, Model, OnnxModel};
use onnx_inspector::{run_explain, ExplainRequest};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};

fn zoo() -> Vec<Value> {
    let text = std::fs::read_to_string("models/zoo.json").unwrap();
    serde_json::from_str::<Vec<Value>>(&text).unwrap()
}

fn run(
    model: &dyn Model,
    x: ArrayView2<f32>,
    bg: ArrayView2<f32>,
    method: ShapMethod,
    samples: Option<usize>,
    incremental: bool,
) -> Explanation {
    let names = (0..model.n_features()).map(|j| format!("f{j}")).collect();
    let rows: Vec<usize> = (0..x.nrows()).collect();
    let opts = ShapParams {
        method,
        samples,
        seed: 3,
        block_rows: 1000,
        incremental,
        ..ShapParams::default()
    };
    ShapExplainer::new(model, bg)
        .params(opts)
        .feature_names(names)
        .explain_indexed(x, &rows)
        .unwrap()
}

#[test]
fn incremental_and_whole_row_attributions_agree_on_every_zoo_model() {
    // The 32x32x3 models (3072 pixels) are left out: per-pixel budgets of 12k-25k evaluations
    // per row are too slow here, and they take the same whole-model path as cnn_digits8.
    for entry in zoo()
        .into_iter()
        .filter(|e| e["n_features"].as_u64().unwrap() <= 100)
    {
        let file = entry["file"].as_str().unwrap();
        let model = OnnxModel::load(format!("models/{file}")).unwrap();
        let test = read_csv(format!("models/{}", entry["test_csv"].as_str().unwrap())).unwrap();
        let train = read_csv(format!("models/{}", entry["train_csv"].as_str().unwrap())).unwrap();
        let x = test.values.slice(ndarray::s![0..2, ..]).to_owned();
        let bg = train.values.slice(ndarray::s![0..16, ..]).to_owned();
        let m = model.n_features();
        // Every chain of Keras Dense layers in the zoo has its first layer exposed (behind a
        // Normalization layer's per-column steps too); the CNNs, the recurrent and the
        // layer-normalised models do not.
        let chain = [
            "MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Tanh", "Softmax",
        ];
        let ops = entry["op_types"].as_array().unwrap();
        let dense = ops
            .iter()
            .all(|o| chain.contains(&o.as_str().unwrap_or("")));
        assert_eq!(model.first_linear().is_some(), dense, "{file}");
        let on = ShapParams::default();
        let expected = if dense {
            Evaluator::IncrementalDense
        } else {
            Evaluator::Model
        };
        assert_eq!(on.evaluator(&model), expected, "{file}");
        if !dense && m > 100 {
            // Whole rows either way: the small CNN below shows it; large images only cost time.
            continue;
        }
        let mut methods = vec![
            (ShapMethod::Kernel, Some(4 * m + 40)),
            (ShapMethod::Permutation, Some(8 * (m - 1))),
        ];
        if m <= 13 {
            methods.push((ShapMethod::Exact, None));
        }
        for (method, samples) in methods {
            let a = run(&model, x.view(), bg.view(), method, samples, true);
            let b = run(&model, x.view(), bg.view(), method, samples, false);
            let diff = max_abs_diff(&a.values, &b.values);
            assert!(diff < 1e-6, "{file} {method:?}: {diff}");
            assert!(efficiency_gap(&a) < 1e-5, "{file} {method:?}");
            if !dense {
                assert_eq!(a.values, b.values, "{file} {method:?}");
            }
        }
    }
}

/// A model with an exposed first layer that counts the rows of both kinds of calls.
struct Counting {
    linear: FirstLinear,
    whole_rows: AtomicU64,
    tail_rows: AtomicU64,
}

impl Counting {
    fn new(m: usize, h: usize) -> Counting {
        let w = Array2::from_shape_fn((m, h), |(j, k)| ((j * 7 + k * 3) % 11) as f32 / 5.0 - 1.0);
        let b = Array1::from_shape_fn(h, |k| k as f32 * 0.1 - 0.2);
        Counting {
            linear: FirstLinear::new(w, b).unwrap(),
            whole_rows: AtomicU64::new(0),
            tail_rows: AtomicU64::new(0),
        }
    }

    /// A nonlinear tail with interactions of every order: tanh, then products and a max.
    fn tail(pre: ArrayView2<f32>) -> Array2<f32> {
        Array2::from_shape_fn((pre.nrows(), 2), |(r, o)| {
            let t: Vec<f32> = pre.row(r).iter().map(|v| v.tanh()).collect();
            match o {
                0 => t.iter().map(|v| v + 1.5).product(),
                _ => t.iter().cloned().fold(f32::MIN, f32::max),
            }
        })
    }
}

impl Model for Counting {
    fn n_features(&self) -> usize {
        self.linear.n_inputs()
    }
    fn output_names(&self) -> &[String] {
        static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        NAMES.get_or_init(|| vec!["prod".into(), "max".into()])
    }
    fn predict(&self, rows: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.whole_rows
            .fetch_add(rows.nrows() as u64, Ordering::Relaxed);
        Ok(Counting::tail(self.linear.pre_activations(rows).view()))
    }
    fn first_linear(&self) -> Option<&FirstLinear> {
        Some(&self.linear)
    }
    fn predict_from_linear(&self, pre: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.tail_rows
            .fetch_add(pre.nrows() as u64, Ordering::Relaxed);
        Ok(Counting::tail(pre))
    }
}

#[test]
fn exact_through_the_incremental_path_equals_the_literal_formula() {
    let m = 7;
    let model = Counting::new(m, 4);
    let (x, bg) = (grid(2, m, 40), grid(5, m, 41));
    let e = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let lit = literal_shapley(&model, x.view(), bg.view());
    let diff = max_abs_diff(&e.values, &lit);
    assert!(diff < 1e-5, "{diff}");
}

#[test]
fn the_incremental_path_is_taken_and_skips_rows_that_cannot_change() {
    let m = 12;
    let model = Counting::new(m, 5);
    let x = grid(1, m, 50);
    let mut bg = grid(8, m, 51);
    // Half the background values equal the instance's: toggling such a feature leaves the row.
    for b in 0..8 {
        for j in 0..m {
            if (b + j) % 2 == 0 {
                bg[[b, j]] = x[[0, j]];
            }
        }
    }
    let coalitions = 4 * 2 * (m - 1);
    let whole_before = model.whole_rows.load(Ordering::Relaxed);
    let a = run(
        &model,
        x.view(),
        bg.view(),
        ShapMethod::Permutation,
        Some(coalitions),
        true,
    );
    let whole = model.whole_rows.load(Ordering::Relaxed) - whole_before;
    let tail = model.tail_rows.swap(0, Ordering::Relaxed);
    // Whole rows only for the base values and f(x). Through the tail: the background and x once,
    // then per coalition only the rows its one-feature step changes (4 of 8; all 88 coalitions
    // fit one block, so every coalition is one step from ∅, x or an earlier one; a walk may start
    // where the previous one ended, zero steps away).
    assert_eq!(whole, 8 + 1);
    let most = (8 + 1 + coalitions * 4) as u64;
    assert!(
        (most - 4 * 4..=most).contains(&tail),
        "{tail} tail rows, at most {most}"
    );
    let b = run(
        &model,
        x.view(),
        bg.view(),
        ShapMethod::Permutation,
        Some(coalitions),
        false,
    );
    assert_eq!(model.tail_rows.load(Ordering::Relaxed), 0, "off: no tail");
    let diff = max_abs_diff(&a.values, &b.values);
    assert!(diff < 1e-5, "{diff}");
    let explainer = ShapExplainer::new(&model, bg.view()).incremental(false);
    assert_eq!(explainer.evaluator(), Evaluator::Model);
    let explainer = explainer.incremental(true);
    assert_eq!(explainer.evaluator(), Evaluator::IncrementalDense);
}

#[test]
fn meta_records_the_evaluator_and_its_first_layer_time() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("x.csv");
    let data = read_csv("models/digits10_test.csv").unwrap();
    let mut text = data.feature_names.join(",") + "\n";
    for r in data.values.outer_iter().take(30) {
        let cells: Vec<String> = r.iter().map(|v| v.to_string()).collect();
        text += &(cells.join(",") + "\n");
    }
    std::fs::write(&csv, text).unwrap();
    for (model, incremental, want) in [
        ("ref_dense100", true, "incremental-dense"),
        ("ref_dense100", false, "model"),
    ] {
        let estimator = Estimator::Shap(ShapParams {
            method: ShapMethod::Permutation,
            samples: Some(400),
            incremental,
            ..ShapParams::default()
        });
        let req = ExplainRequest {
            background_size: 10,
            rows: Some("0:2".into()),
            labels: vec!["3".into(), "1".into()],
            threads: 1,
            ..ExplainRequest::new(format!("models/{model}.onnx"), csv.clone(), estimator)
        };
        let report = run_explain(&req, None).unwrap();
        assert_eq!(
            report.meta.evaluator, want,
            "{model} incremental={incremental}"
        );
        // First-layer updates are counted as model time exactly when the incremental path ran.
        let t = &report.meta.timings;
        assert_eq!(t.first_layer_seconds > 0.0, incremental, "{model}");
        // A one-hidden-layer net runs fused (on any CPU: plain code is the last fallback).
        assert_eq!(t.fused_seconds > 0.0, incremental, "{model}");
        assert!(t.fused_seconds <= t.model_seconds, "{t:?}");
        assert!(
            t.model_seconds > 0.0 && t.model_share() <= 1.0 + 1e-9,
            "{t:?}"
        );
    }
}

#[test]
fn models_without_a_split_first_layer_keep_working_and_say_so() {
    let tract = OnnxModel::load("models/ref_dense100.onnx")
        .unwrap()
        .without_fast_path();
    assert!(tract.first_linear().is_none());
    let err = tract
        .predict_from_linear(Array2::zeros((1, 64)).view())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ref_dense100.onnx") && err.contains("first linear layer"),
        "{err}"
    );
    let f = onnx_inspector::model::FnModel::new(3, 1, |x| vec![x.sum()]);
    assert!(f.first_linear().is_none());
    assert!(f.predict_from_linear(Array2::zeros((1, 2)).view()).is_err());
    assert_eq!(ShapParams::default().evaluator(&f), Evaluator::Model);
    let dense = OnnxModel::load("models/ref_dense100.onnx").unwrap();
    let err = dense
        .predict_from_linear(Array2::zeros((1, 63)).view())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("64 outputs") && err.contains("have 63"),
        "{err}"
    );
}

#[test]
fn the_cli_flag_turns_the_path_off() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, want) in [
        (None, "incremental-dense"),
        (Some("--no-incremental"), "model"),
    ] {
        let out = dir.path().join(want);
        let mut cmd = assert_cmd::Command::cargo_bin("onnx-inspector").unwrap();
        cmd.args([
            "explain",
            "models/ref_dense100.onnx",
            "--data",
            "models/digits10_test.csv",
        ])
        .args([
            "--rows",
            "0:1",
            "--method",
            "permutation",
            "--samples",
            "400",
        ])
        .args(["--background-size", "8", "--no-charts", "--quiet", "--out"])
        .arg(&out);
        if let Some(f) = flag {
            cmd.arg(f);
        }
        cmd.assert().success();
        let text = std::fs::read_to_string(out.join("explanations.json")).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["meta"]["evaluator"], want);
    }
}

#[test]
fn grouped_players_agree_through_the_incremental_path() {
    // A group toggles all its features at once: one multi-row update of the first layer.
    let model = OnnxModel::load("models/breast_cancer.onnx").unwrap();
    assert!(model.first_linear().is_some());
    let test = read_csv("models/breast_cancer_test.csv").unwrap();
    let train = read_csv("models/breast_cancer_train.csv").unwrap();
    let x = test.values.slice(ndarray::s![0..2, ..]).to_owned();
    let bg = train.values.slice(ndarray::s![0..12, ..]).to_owned();
    let groups = onnx_inspector::explain::FeatureGroups::new(
        vec![
            ("mean".into(), (0..10).collect()),
            ("worst".into(), (20..30).collect()),
            ("pair".into(), vec![11, 17]),
        ],
        &test.feature_names,
    )
    .unwrap();
    for method in [
        ShapMethod::Exact,
        ShapMethod::Permutation,
        ShapMethod::Kernel,
    ] {
        let explain = |incremental| {
            ShapExplainer::new(&model, bg.view())
                .method(method)
                .samples(300)
                .incremental(incremental)
                .groups(groups.clone())
                .explain(x.view())
                .unwrap()
        };
        let (on, off) = (explain(true), explain(false));
        assert_eq!(on.values.shape()[1], 11);
        let diff = max_abs_diff(&on.values, &off.values);
        assert!(diff < 1e-6, "{method:?}: {diff}");
    }
}

#[test]
fn the_f32_fast_path_moves_phi_far_less_than_its_standard_error() {
    // The reference net through the native dense engine (fused AVX-512 head where the CPU has
    // it), first layer updated incrementally, against tract on whole masked rows: the same
    // coalitions (same seed), so φ differs only by the f32 arithmetic of the two paths.
    let fast = OnnxModel::load("models/ref_dense100.onnx").unwrap();
    let tract = OnnxModel::load("models/ref_dense100.onnx")
        .unwrap()
        .without_fast_path();
    assert_eq!(fast.engine(), onnx_inspector::model::Engine::Dense);
    assert_eq!(
        ShapParams::default().evaluator(&fast),
        Evaluator::IncrementalDense
    );
    let test = read_csv("models/digits10_test.csv").unwrap();
    let train = read_csv("models/digits10_train.csv").unwrap();
    let x = test.values.slice(ndarray::s![0..8, ..]).to_owned();
    let bg = train.values.slice(ndarray::s![0..50, ..]).to_owned();
    let a = run(
        &fast,
        x.view(),
        bg.view(),
        ShapMethod::Permutation,
        Some(500),
        true,
    );
    let b = run(
        &tract,
        x.view(),
        bg.view(),
        ShapMethod::Permutation,
        Some(500),
        false,
    );
    let se = a.stderr.as_ref().unwrap();
    // Players equal to every background value have φ = 0 and no error: compare the others.
    let mut ses: Vec<f64> = se.iter().copied().filter(|&s| s > 0.0).collect();
    ses.sort_by(f64::total_cmp);
    let median_se = ses[ses.len() / 2];
    let diff = max_abs_diff(&a.values, &b.values);
    assert!(median_se > 1e-4, "{median_se}");
    assert!(
        diff < 1e-3 * median_se,
        "max |Δφ| {diff:e} vs median standard error {median_se:e}"
    );
    assert!(efficiency_gap(&a) < 1e-5, "{}", efficiency_gap(&a));
}
