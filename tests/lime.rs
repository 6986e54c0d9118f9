//! LIME against its reference: closed-form recovery on a linear model, parity with the `lime`
//! library on a zoo model, and the CLI's JSON fields.

mod common;

use common::grid;
use ndarray::Axis;
use onnx_inspector::data::read_csv;
use onnx_inspector::explain::{Discretizer, Explainer, LimeExplainer, LimeParams, Selection};
use onnx_inspector::model::{FnModel, OnnxModel};
use serde_json::Value;

#[test]
fn linear_model_weights_are_coefficients_times_training_std() {
    let m = 6;
    let w = [1.5f32, -2.0, 0.5, 0.0, 3.0, -0.7];
    let model = FnModel::new(m, 1, move |x| {
        vec![x.iter().zip(&w).map(|(a, b)| a * b).sum::<f32>() + 1.0]
    });
    let train = grid(400, m, 3).mapv(|v| v * 2.0 + 1.0);
    let names: Vec<String> = (0..m).map(|j| format!("f{j}")).collect();
    let opts = LimeParams {
        discretizer: Discretizer::None,
        selection: Selection::None,
        seed: 5,
        ..LimeParams::default()
    };
    let lime = LimeExplainer::new(&model, train.view())
        .params(opts)
        .feature_names(names.to_vec());
    let x = grid(3, m, 9);
    let e = lime.explain_indexed(x.view(), &[0, 1, 2]).unwrap();
    let std = train.mapv(f64::from).std_axis(Axis(0), 0.0);
    for r in 0..3 {
        for j in 0..m {
            let expect = w[j] as f64 * std[j];
            assert!(
                (e.values[[r, j, 0]] - expect).abs() < 2e-3 * (1.0 + expect.abs()),
                "row {r} f{j}"
            );
        }
        let score = e.lime[r].outputs[0].score;
        assert!(score > 0.999, "{score}");
    }
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    for (rank, &i) in idx.iter().enumerate() {
        r[i] = rank as f64;
    }
    r
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let d2: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - y).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[test]
fn weights_agree_with_the_lime_library_in_sign_and_rank() {
    let reference: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/lime/wine_lime.json").unwrap(),
    )
    .unwrap();
    let model = OnnxModel::load("models/wine_keras3.onnx").unwrap();
    let train = read_csv("models/wine_train.csv").unwrap();
    let test = read_csv("models/wine_test.csv").unwrap();
    let lime = LimeExplainer::new(&model, train.values.view())
        .params(LimeParams::default())
        .feature_names(train.feature_names.to_vec());
    let rows: Vec<usize> = reference["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_u64().unwrap() as usize)
        .collect();
    let x = test.values.select(Axis(0), &rows);
    let e = lime.explain_indexed(x.view(), &rows).unwrap();
    let (mut rhos, mut signs, mut total) = (vec![], 0, 0);
    let (mut selected_too, mut lime_selected) = (0, 0);
    for (i, r) in reference["rows"].as_array().unwrap().iter().enumerate() {
        for k in 0..3 {
            let feats = r["labels"][k.to_string()]["features"].as_array().unwrap();
            let theirs: Vec<f64> = feats.iter().map(|f| f[1].as_f64().unwrap()).collect();
            let ours: Vec<f64> = feats
                .iter()
                .map(|f| e.values[[i, f[0].as_u64().unwrap() as usize, k]])
                .collect();
            rhos.push(spearman(&theirs, &ours));
            for (t, o) in theirs.iter().zip(&ours) {
                // Sign on features both selected; selection at the margin is sampling noise.
                if *o != 0.0 {
                    selected_too += 1;
                    if t.abs() > 0.02 {
                        total += 1;
                        signs += usize::from(t.signum() == o.signum());
                    }
                }
                lime_selected += 1;
            }
        }
    }
    let mean_rho = rhos.iter().sum::<f64>() / rhos.len() as f64;
    assert!(mean_rho >= 0.9, "mean Spearman {mean_rho}: {rhos:?}");
    assert!(
        signs as f64 >= 0.95 * total as f64,
        "signs agree {signs}/{total}"
    );
    assert!(
        selected_too as f64 >= 0.85 * lime_selected as f64,
        "we select {selected_too} of lime's {lime_selected} features"
    );
}

#[test]
fn cli_writes_lime_fields() {
    let dir = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("onnx-inspector")
        .unwrap()
        .args([
            "explain",
            "models/breast_cancer.onnx",
            "--data",
            "models/breast_cancer_test.csv",
            "--train",
            "models/breast_cancer_train.csv",
            "--method",
            "lime",
            "--rows",
            "0:4",
            "--num-features",
            "5",
            "--seed",
            "3",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("explanations.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(v["meta"]["method"], "lime");
    assert_eq!(v["meta"]["budget"], 5000);
    let out = &v["lime"][0]["outputs"][0];
    assert_eq!(out["features"].as_array().unwrap().len(), 5);
    assert!(out["features"][0]["description"]
        .as_str()
        .unwrap()
        .contains(' '));
    assert!(out["score"].as_f64().unwrap() > 0.0);
    // Five selected features carry weights, the other 25 are 0.
    let nonzero = v["values"][0]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f[0].as_f64().unwrap() != 0.0)
        .count();
    assert_eq!(nonzero, 5);
    assert_eq!(v["base_values"][0][0], out["intercept"]);
}

#[test]
fn lasso_path_selection_respects_the_feature_budget() {
    let model = OnnxModel::load("models/breast_cancer.onnx").unwrap();
    let train = read_csv("models/breast_cancer_train.csv").unwrap();
    let test = read_csv("models/breast_cancer_test.csv").unwrap();
    let opts = LimeParams {
        selection: Selection::LassoPath,
        num_features: 4,
        ..LimeParams::default()
    };
    let lime = LimeExplainer::new(&model, train.values.view())
        .params(opts)
        .feature_names(train.feature_names.to_vec());
    let x = test.values.slice(ndarray::s![0..3, ..]).to_owned();
    let e = lime.explain_indexed(x.view(), &[0, 1, 2]).unwrap();
    for r in 0..3 {
        let nonzero = (0..30).filter(|&j| e.values[[r, j, 0]] != 0.0).count();
        assert!((1..=4).contains(&nonzero), "row {r}: {nonzero} features");
    }
}

#[test]
fn lime_results_do_not_depend_on_the_thread_count() {
    let model = OnnxModel::load("models/breast_cancer.onnx").unwrap();
    let train = read_csv("models/breast_cancer_train.csv").unwrap();
    let test = read_csv("models/breast_cancer_test.csv").unwrap();
    let lime = LimeExplainer::new(&model, train.values.view())
        .params(LimeParams {
            seed: 9,
            ..LimeParams::default()
        })
        .feature_names(train.feature_names.to_vec());
    let x = test.values.slice(ndarray::s![0..6, ..]).to_owned();
    let rows: Vec<usize> = (0..6).collect();
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| lime.explain_indexed(x.view(), &rows).unwrap())
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one.values, two.values);
    assert_eq!(one.base_values, two.base_values);
    // Not vacuous: the surrogates carry weights.
    assert!(one.values.iter().any(|&v| v != 0.0));
}

#[test]
fn categorical_features_are_explained_as_same_category_or_not() {
    // f = 2 when feature 0 is category 2. For an instance in category 2 the surrogate's weight on
    // "same category" is 2; for one in category 1 it is −2·P(x0 = 2 | x0 ≠ 1) = −2·(2/4) = −1
    // under the training frequencies 1:1:2:1 of categories 0, 1, 2, 3.
    let m = 3;
    let train = ndarray::Array2::from_shape_fn((500, m), |(i, j)| match j {
        0 => [0.0f32, 1.0, 2.0, 2.0, 3.0][i % 5],
        _ => grid(500, m, 7)[[i, j]],
    });
    let model = FnModel::new(m, 1, |x| vec![if x[0] == 2.0 { 2.0 } else { 0.0 }]);
    let x = ndarray::array![[2.0f32, 0.3, -0.2], [1.0, 0.3, -0.2]];
    for discretizer in [Discretizer::Quartile, Discretizer::None] {
        let e = LimeExplainer::new(&model, train.view())
            .categorical(vec![0])
            .discretizer(discretizer)
            .selection(Selection::None)
            .seed(1)
            .explain(x.view())
            .unwrap();
        let (same, other) = (e.values[[0, 0, 0]], e.values[[1, 0, 0]]);
        assert!((same - 2.0).abs() < 0.02, "{discretizer:?}: {same}");
        assert!((other + 1.0).abs() < 0.1, "{discretizer:?}: {other}");
        for j in 1..m {
            assert!(e.values[[0, j, 0]].abs() < 0.05, "{discretizer:?} f{j}");
        }
        let term = |r: usize| {
            e.lime[r].outputs[0]
                .terms
                .iter()
                .find(|t| t.index == 0)
                .unwrap()
                .description
                .clone()
        };
        assert_eq!(term(0), "Feature 0=2");
        assert_eq!(term(1), "Feature 0=1");
    }
}
