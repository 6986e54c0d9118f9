//! SHAP estimators against oracles: closed forms, the literal Shapley formula, convergence,
//! efficiency, determinism across threads, and honest standard errors.

mod common;

use common::*;
use ndarray::{Array2, Array3, Axis};
use onnx_inspector::explain::{Explainer, Sampling, ShapExplainer, ShapMethod, ShapParams};
use onnx_inspector::model::{FnModel, Model, OnnxModel};
use onnx_inspector::Error;

const SAMPLED: [ShapMethod; 2] = [ShapMethod::Kernel, ShapMethod::Permutation];

fn linear_model(m: usize) -> (FnModel, Vec<f32>) {
    let w: Vec<f32> = (0..m).map(|j| (j as f32 * 0.37).sin() * 2.0).collect();
    let w2 = w.clone();
    let f = FnModel::new(m, 2, move |x| {
        let s: f32 = x.iter().zip(&w2).map(|(a, b)| a * b).sum();
        vec![s + 0.5, -2.0 * s]
    });
    (f, w)
}

fn linear_truth(x: &Array2<f32>, bg: &Array2<f32>, w: &[f32]) -> Array3<f64> {
    let mean = bg.mean_axis(Axis(0)).unwrap();
    Array3::from_shape_fn((x.nrows(), x.ncols(), 2), |(r, j, o)| {
        let phi = w[j] as f64 * (x[[r, j]] - mean[j]) as f64;
        if o == 0 {
            phi
        } else {
            -2.0 * phi
        }
    })
}

#[test]
fn linear_model_matches_closed_form_for_every_method() {
    let (model, w) = linear_model(8);
    let (x, bg) = (grid(5, 8, 1), grid(7, 8, 2));
    let truth = linear_truth(&x, &bg, &w);
    for method in [
        ShapMethod::Exact,
        ShapMethod::Kernel,
        ShapMethod::Permutation,
    ] {
        let e = explain(&model, x.view(), bg.view(), method, Some(60), 3);
        assert!(max_abs_diff(&e.values, &truth) < 1e-5, "{method:?}");
    }
    // Sampled methods on 40 features (no enumeration possible) are exact for additive games too.
    let (model, w) = linear_model(40);
    let (x, bg) = (grid(3, 40, 3), grid(9, 40, 4));
    let truth = linear_truth(&x, &bg, &w);
    for method in SAMPLED {
        let e = explain(&model, x.view(), bg.view(), method, Some(400), 5);
        assert!(max_abs_diff(&e.values, &truth) < 1e-5, "{method:?}");
    }
}

#[test]
fn additive_nonlinear_model_is_exact_for_sampled_methods() {
    let m = 30;
    let model = FnModel::new(m, 1, |x| {
        vec![x
            .iter()
            .enumerate()
            .map(|(j, v)| (v * (j as f32 + 1.0) * 0.3).tanh() + v * v)
            .sum()]
    });
    let (x, bg) = (grid(3, m, 5), grid(6, m, 6));
    // Additive: φ_j = g_j(x_j) − mean_b g_j(b_j).
    let g = |j: usize, v: f32| ((v * (j as f32 + 1.0) * 0.3).tanh() + v * v) as f64;
    let truth = Array3::from_shape_fn((3, m, 1), |(r, j, _)| {
        g(j, x[[r, j]]) - bg.column(j).iter().map(|&b| g(j, b)).sum::<f64>() / bg.nrows() as f64
    });
    for method in SAMPLED {
        let e = explain(&model, x.view(), bg.view(), method, Some(300), 7);
        assert!(max_abs_diff(&e.values, &truth) < 1e-5, "{method:?}");
    }
}

#[test]
fn pairwise_interactions_are_exact_for_paired_kernel_and_antithetic_permutation() {
    let m = 12;
    let model = FnModel::new(m, 2, |x| {
        let mut s = 0.0;
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                s += x[i] * x[j] * ((i * 3 + j) % 5) as f32 * 0.2;
            }
            s += x[i] * 0.1;
        }
        vec![s, -s]
    });
    let (x, bg) = (grid(3, m, 7), grid(5, m, 8));
    let exact = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    for method in SAMPLED {
        let e = explain(&model, x.view(), bg.view(), method, Some(200), 9);
        assert!(max_abs_diff(&e.values, &exact.values) < 1e-5, "{method:?}");
    }
}

#[test]
fn exact_equals_the_literal_shapley_formula() {
    let m = 6;
    // Higher-order interactions: a product and a max.
    let model = FnModel::new(m, 2, |x| {
        let p: f32 = x.iter().take(4).map(|v| v + 1.5).product();
        let mx = x.iter().cloned().fold(f32::MIN, f32::max);
        vec![p, mx]
    });
    let (x, bg) = (grid(3, m, 9), grid(4, m, 10));
    let e = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let lit = literal_shapley(&model, x.view(), bg.view());
    assert!(
        max_abs_diff(&e.values, &lit) < 1e-9,
        "{}",
        max_abs_diff(&e.values, &lit)
    );
    assert!(e.stderr.is_none());
}

fn zoo(name: &str) -> (OnnxModel, Array2<f32>, Array2<f32>) {
    let model = OnnxModel::load(format!("models/{name}.onnx")).unwrap();
    let stem = match name {
        "wine_keras3" => "wine",
        "ref_dense100" => "digits10",
        other => other,
    };
    let test = onnx_inspector::data::read_csv(format!("models/{stem}_test.csv")).unwrap();
    let train = onnx_inspector::data::read_csv(format!("models/{stem}_train.csv")).unwrap();
    let bg = train.values.slice(ndarray::s![0..20, ..]).to_owned();
    (model, test.values, bg)
}

#[test]
fn exact_on_a_zoo_model_equals_the_literal_formula() {
    let (model, test, bg) = zoo("diabetes");
    let x = test.slice(ndarray::s![0..2, ..]).to_owned();
    let bg = bg.slice(ndarray::s![0..8, ..]).to_owned();
    let e = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let lit = literal_shapley(&model, x.view(), bg.view());
    assert!(
        max_abs_diff(&e.values, &lit) < 1e-6,
        "{}",
        max_abs_diff(&e.values, &lit)
    );
    assert!(efficiency_gap(&e) < 1e-5);
}

#[test]
fn sampled_methods_converge_to_exact_on_a_zoo_model() {
    // Wine: 13 features, 8190 proper coalitions.
    let (model, test, bg) = zoo("wine_keras3");
    let x = test.slice(ndarray::s![0..4, ..]).to_owned();
    let exact = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    for method in SAMPLED {
        let errs: Vec<f64> = [200, 800, 4000]
            .iter()
            .map(|&b| {
                let e = explain(&model, x.view(), bg.view(), method, Some(b), 11);
                assert!(efficiency_gap(&e) < 1e-5, "{method:?} efficiency");
                rel_l2(&e.values, &exact.values)
            })
            .collect();
        assert!(errs[2] < errs[0], "{method:?}: {errs:?}");
        assert!(errs[2] < 0.05, "{method:?}: {errs:?}");
    }
    // A budget covering every coalition makes kernel SHAP exact.
    let e = explain(
        &model,
        x.view(),
        bg.view(),
        ShapMethod::Kernel,
        Some(8190),
        1,
    );
    assert!(max_abs_diff(&e.values, &exact.values) < 1e-6);
}

#[test]
fn efficiency_holds_on_the_reference_net() {
    let (model, test, bg) = zoo("ref_dense100");
    let x = test.slice(ndarray::s![0..3, ..]).to_owned();
    for method in SAMPLED {
        let e = explain(&model, x.view(), bg.view(), method, Some(600), 2);
        assert!(
            efficiency_gap(&e) < 1e-5,
            "{method:?}: {}",
            efficiency_gap(&e)
        );
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let (model, test, bg) = zoo("ref_dense100");
    let x = test.slice(ndarray::s![0..4, ..]).to_owned();
    for method in SAMPLED {
        let runs: Vec<_> = [1, 2, 3]
            .iter()
            .map(|&t| {
                in_pool(t, || {
                    let names = (0..100).map(|j| format!("f{j}")).collect();
                    let opts = ShapParams {
                        method,
                        samples: Some(500),
                        seed: 4,
                        block_rows: 700,
                        ..ShapParams::default()
                    };
                    ShapExplainer::new(&model, bg.view())
                        .params(opts.clone())
                        .feature_names(names)
                        .explain_indexed(x.view(), &[0, 1, 2, 3])
                        .unwrap()
                })
            })
            .collect();
        assert_eq!(runs[0].values, runs[1].values, "{method:?}");
        assert_eq!(runs[0].values, runs[2].values, "{method:?}");
        assert_eq!(runs[0].stderr, runs[1].stderr, "{method:?}");
    }
}

/// Fraction of |estimate − truth| / se within 2 over many rows and outputs.
fn coverage(method: ShapMethod, sampling: Sampling, budget: usize) -> f64 {
    let m = 12;
    let model = FnModel::new(m, 3, |x| {
        let z: f32 = x
            .iter()
            .enumerate()
            .map(|(j, v)| v * ((j % 4) as f32 - 1.5))
            .sum();
        let q = x[0] * x[1] * x[2] + (x[3] - x[5]).abs() * x[7];
        vec![1.0 / (1.0 + (-z).exp()), (z * 0.5).tanh() + q, q * q]
    });
    let (x, bg) = (grid(24, m, 12), grid(10, m, 13));
    let exact = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let names: Vec<String> = (0..m).map(|j| format!("f{j}")).collect();
    let rows: Vec<usize> = (0..x.nrows()).collect();
    let opts = ShapParams {
        method,
        samples: Some(budget),
        sampling,
        seed: 21,
        ..ShapParams::default()
    };
    let e = ShapExplainer::new(&model, bg.view())
        .params(opts.clone())
        .feature_names(names)
        .explain_indexed(x.view(), &rows)
        .unwrap();
    let se = e.stderr.unwrap();
    let (mut inside, mut total) = (0usize, 0usize);
    for ((v, t), s) in e.values.iter().zip(&exact.values).zip(&se) {
        if *s > 0.0 {
            total += 1;
            inside += usize::from((v - t).abs() <= 2.0 * s);
        }
    }
    assert!(
        total > e.values.len() / 2,
        "most entries must carry an error bar"
    );
    inside as f64 / total as f64
}

#[test]
fn standard_errors_are_calibrated() {
    for (method, sampling, budget) in [
        (ShapMethod::Kernel, Sampling::Kernel, 300),
        (ShapMethod::Kernel, Sampling::Leverage, 300),
        (ShapMethod::Permutation, Sampling::Kernel, 440),
    ] {
        let c = coverage(method, sampling, budget);
        assert!(
            (0.88..=0.995).contains(&c),
            "{method:?}/{sampling:?}: coverage {c}"
        );
    }
}

#[test]
fn bad_options_give_clear_errors() {
    let (model, _) = linear_model(30);
    let (x, bg) = (grid(2, 30, 1), grid(4, 30, 2));
    let names: Vec<String> = (0..30).map(|j| format!("f{j}")).collect();
    let run = |method, samples, bgv: ndarray::ArrayView2<f32>| {
        let opts = ShapParams {
            method,
            samples,
            ..ShapParams::default()
        };
        ShapExplainer::new(&model, bgv)
            .params(opts)
            .feature_names(names.clone())
            .explain_indexed(x.view(), &[0, 1])
            .unwrap_err()
    };
    let err = run(ShapMethod::Exact, None, bg.view());
    assert!(matches!(err, Error::Param { name: "method", .. }), "{err}");
    let err = run(ShapMethod::Kernel, Some(10), bg.view());
    assert!(matches!(err, Error::Budget { minimum: 31, .. }), "{err}");
    assert!(err.to_string().contains("too small"), "{err}");
    let err = run(ShapMethod::Permutation, Some(10), bg.view());
    assert!(matches!(err, Error::Budget { minimum: 116, .. }), "{err}");
    let narrow = grid(4, 29, 2);
    let err = run(ShapMethod::Kernel, None, narrow.view());
    assert!(err.to_string().contains("background has 29"), "{err}");
    let model_nan = FnModel::new(30, 1, |_| vec![f32::NAN]);
    let opts = ShapParams::default();
    let err = ShapExplainer::new(&model_nan, bg.view())
        .params(opts.clone())
        .feature_names(names.clone())
        .explain_indexed(x.view(), &[0, 1])
        .unwrap_err();
    assert!(err.to_string().contains("not finite"), "{err}");
    assert_eq!(model.n_outputs(), 2);
}

#[test]
fn features_equal_to_every_background_value_get_exactly_zero() {
    let m = 16;
    let model = FnModel::new(m, 1, |x| {
        vec![x.iter().product::<f32>() + x[3] * x[5] + x[0]]
    });
    let mut x = grid(2, m, 30);
    let mut bg = grid(6, m, 31);
    for j in [0usize, 3, 9] {
        bg.column_mut(j).fill(0.25);
        x.column_mut(j).fill(0.25);
    }
    for method in SAMPLED {
        let e = explain(&model, x.view(), bg.view(), method, Some(200), 1);
        let se = e.stderr.as_ref().unwrap();
        for j in [0usize, 3, 9] {
            for r in 0..2 {
                assert_eq!(e.values[[r, j, 0]], 0.0, "{method:?}");
                assert_eq!(se[[r, j, 0]], 0.0, "{method:?}");
            }
        }
        assert!(efficiency_gap(&e) < 1e-5, "{method:?}");
    }
}

#[test]
fn tolerance_stops_early_and_its_error_bound_holds() {
    // A nonlinear model with interactions, so sampled estimates are not exact.
    // 16 features: 65 534 coalitions, more than the budget, so nothing is enumerated whole.
    let m = 16;
    let model = FnModel::new(m, 2, |x| {
        let z: f32 = x
            .iter()
            .enumerate()
            .map(|(j, v)| v * ((j % 4) as f32 - 1.5))
            .sum();
        vec![
            1.0 / (1.0 + (-z).exp()),
            x[0] * x[1] * x[2] + (x[3] - x[5]).abs(),
        ]
    });
    let (x, bg) = (grid(8, m, 40), grid(10, m, 41));
    let exact = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let budget = 40_000;
    let tolerance = 0.02;
    for method in SAMPLED {
        let e = ShapExplainer::new(&model, bg.view())
            .method(method)
            .samples(budget)
            .tolerance(tolerance)
            .seed(5)
            .explain(x.view())
            .unwrap();
        let se = e.stderr.as_ref().unwrap();
        for r in 0..x.nrows() {
            assert!(
                e.evaluations[r] < budget / 2,
                "{method:?} row {r}: {} evaluations, no early stop",
                e.evaluations[r]
            );
            for o in 0..2 {
                let phi = e.values.slice(ndarray::s![r, .., o]);
                let truth = exact.values.slice(ndarray::s![r, .., o]);
                let range =
                    truth.fold(f64::MIN, |a, &v| a.max(v)) - truth.fold(f64::MAX, |a, &v| a.min(v));
                // The stopping rule: every se below tolerance × the attribution range...
                let max_se = se
                    .slice(ndarray::s![r, .., o])
                    .fold(0.0f64, |a, &v| a.max(v));
                assert!(
                    max_se <= tolerance * range * 1.2,
                    "{method:?} row {r}: se {max_se}"
                );
                // ...and the actual error stays within a few of those standard errors.
                let err = phi
                    .iter()
                    .zip(truth.iter())
                    .fold(0.0f64, |a, (p, t)| a.max((p - t).abs()));
                assert!(
                    err <= 4.0 * tolerance * range,
                    "{method:?} row {r} output {o}: error {err}, bound {}",
                    4.0 * tolerance * range
                );
            }
        }
    }
}

#[test]
fn default_stopping_rule_bounds_the_error_on_a_zoo_model() {
    // Wine: 13 features; the default budget (2M + 2048) is the cap, the se target stops rows early.
    use onnx_inspector::explain::DEFAULT_SE_TARGET;
    let (model, test, bg) = zoo("wine_keras3");
    let x = test.slice(ndarray::s![0..8, ..]).to_owned();
    let exact = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let m = 13usize;
    let e = explain(&model, x.view(), bg.view(), ShapMethod::Auto, None, 3);
    let budget = ShapParams::default().budget(m);
    let se = e.stderr.as_ref().expect("permutation has standard errors");
    let bound = DEFAULT_SE_TARGET * (m as f64).sqrt();
    let mut early = 0;
    for r in 0..x.nrows() {
        let se2: f64 = se.slice(ndarray::s![r, .., ..]).iter().map(|v| v * v).sum();
        let phi2: f64 = e
            .values
            .slice(ndarray::s![r, .., ..])
            .iter()
            .map(|v| v * v)
            .sum();
        if e.evaluations[r] < budget {
            early += 1;
            // A row that stopped met the rule: estimated relative error ≤ target × √M.
            assert!((se2 / phi2).sqrt() <= bound * 1.0001, "row {r}");
        }
    }
    assert!(early > 0, "no row stopped early: {:?}", e.evaluations);
    // The actual error against exact values stays within twice the rule's estimate.
    let err = rel_l2(&e.values, &exact.values);
    assert!(err <= 2.0 * bound, "rel-L2 {err} > 2 × {bound}");
    assert!(efficiency_gap(&e) < 1e-5);
    // --se-target 0 spends the whole budget on every row.
    let full = ShapExplainer::new(&model, bg.view())
        .params(ShapParams {
            se_target: Some(0.0),
            seed: 3,
            ..ShapParams::default()
        })
        .explain(x.view())
        .unwrap();
    assert!(
        full.evaluations.iter().all(|&n| n >= budget - 2 * m),
        "{:?}",
        full.evaluations
    );
}
