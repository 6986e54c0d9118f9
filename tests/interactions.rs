//! Shapley interaction values (shap's convention) against oracles: planted pairwise terms,
//! the literal SII formula on a nonlinear model and on the 13-feature wine network, efficiency
//! of every row, the sampled estimator's convergence, exactness at full budget, error-bar
//! coverage and the tolerance.

mod common;

use common::{grid, rel_l2};
use ndarray::{Array2, Array3, Array4, ArrayView2};
use onnx_inspector::explain::{Explainer, Explanation, ShapExplainer, ShapMethod};
use onnx_inspector::model::{FnModel, Model};
use onnx_inspector::OnnxModel;

fn explain(
    model: &dyn Model,
    x: ArrayView2<f32>,
    bg: ArrayView2<f32>,
    method: ShapMethod,
    samples: Option<usize>,
    seed: u64,
) -> Explanation {
    let mut e = ShapExplainer::new(model, bg)
        .method(method)
        .seed(seed)
        .interactions(true);
    if let Some(s) = samples {
        e = e.samples(s);
    }
    e.explain(x).unwrap()
}

/// v(S) for every coalition bitmask, computed literally from the model: [2^M, K].
fn literal_values(model: &dyn Model, x: &[f32], bg: ArrayView2<f32>) -> Array2<f64> {
    let m = x.len();
    let k = model.n_outputs();
    let mut out = Array2::zeros((1 << m, k));
    for s in 0..1usize << m {
        let mut rows = bg.to_owned();
        for mut r in rows.outer_iter_mut() {
            for (j, v) in r.iter_mut().enumerate() {
                if s >> j & 1 == 1 {
                    *v = x[j];
                }
            }
        }
        let p = model.predict(rows.view()).unwrap();
        for o in 0..k {
            out[[s, o]] = p.column(o).iter().map(|&v| v as f64).sum::<f64>() / p.nrows() as f64;
        }
    }
    out
}

fn factorial(n: usize) -> f64 {
    (1..=n).map(|v| v as f64).product()
}

/// shap-convention Φ by the textbook SII and Shapley formulas: [n, M, M, K].
fn literal_interactions(model: &dyn Model, x: ArrayView2<f32>, bg: ArrayView2<f32>) -> Array4<f64> {
    let (n, m, k) = (x.nrows(), x.ncols(), model.n_outputs());
    let mut out = Array4::zeros((n, m, m, k));
    for r in 0..n {
        let v = literal_values(model, &x.row(r).to_vec(), bg);
        for i in 0..m {
            for s in (0..1usize << m).filter(|s| s >> i & 1 == 0) {
                let size = s.count_ones() as usize;
                let w = factorial(size) * factorial(m - size - 1) / factorial(m);
                for o in 0..k {
                    // φ_i accumulated on the diagonal first.
                    out[[r, i, i, o]] += w * (v[[s | 1 << i, o]] - v[[s, o]]);
                }
                for j in (0..m).filter(|&j| j != i && s >> j & 1 == 0) {
                    let w2 = factorial(size) * factorial(m - size - 2) / factorial(m - 1);
                    for o in 0..k {
                        let d =
                            v[[s | 1 << i | 1 << j, o]] - v[[s | 1 << i, o]] - v[[s | 1 << j, o]]
                                + v[[s, o]];
                        out[[r, i, j, o]] += w2 * d / 2.0;
                    }
                }
            }
            for j in (0..m).filter(|&j| j != i) {
                for o in 0..k {
                    out[[r, i, i, o]] -= out[[r, i, j, o]];
                }
            }
        }
    }
    out
}

fn interactions(e: &Explanation) -> &Array4<f64> {
    &e.interactions
        .as_ref()
        .expect("interactions asked for")
        .values
}

fn max_abs(a: &Array4<f64>, b: &Array4<f64>) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Largest |Σ_j Φ_ij − φ_i| and |Σ_ij Φ_ij − (f(x) − base)| over rows and outputs.
fn efficiency_gaps(e: &Explanation) -> (f64, f64) {
    let phi = interactions(e);
    let (n, p, _, k) = phi.dim();
    let (mut rows, mut total) = (0.0f64, 0.0f64);
    for r in 0..n {
        for o in 0..k {
            let mut all = 0.0;
            for i in 0..p {
                let s: f64 = (0..p).map(|j| phi[[r, i, j, o]]).sum();
                rows = rows.max((s - e.values[[r, i, o]]).abs());
                all += s;
            }
            let gap = all - (e.predictions[[r, o]] - e.base_values[[r, o]]);
            total = total.max(gap.abs());
        }
    }
    (rows, total)
}

/// f(x) = Σ a_i x_i + Σ_{i<j} b_ij x_i x_j with seeded coefficients.
fn pairwise_model(m: usize, salt: u64) -> (FnModel, Array2<f64>) {
    let c = grid(m + 1, m, salt).mapv(|v| v as f64 * 2.0);
    let b = c.clone();
    let model = FnModel::new(m, 1, move |x| {
        let mut y = 0.0f64;
        for i in 0..m {
            y += c[[m, i]] * x[i] as f64;
            for j in i + 1..m {
                y += c[[i, j]] * (x[i] * x[j]) as f64;
            }
        }
        vec![y as f32]
    });
    (model, b)
}

#[test]
fn planted_pairwise_terms_are_recovered_exactly() {
    // v is multilinear: Φ_ij = b_ij · mean_b[(x_i − b_i)(x_j − b_j)] / 2 exactly.
    for (m, salt) in [(4, 1), (6, 2), (9, 3)] {
        let (model, b) = pairwise_model(m, salt);
        let (x, bg) = (grid(2, m, salt + 10), grid(5, m, salt + 20));
        let e = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
        let phi = interactions(&e);
        for r in 0..2 {
            for i in 0..m {
                for j in i + 1..m {
                    let cov: f64 = bg
                        .outer_iter()
                        .map(|z| ((x[[r, i]] - z[i]) as f64) * ((x[[r, j]] - z[j]) as f64))
                        .sum::<f64>()
                        / bg.nrows() as f64;
                    let want = b[[i, j]] * cov / 2.0;
                    // f32 model outputs: agreement to their rounding.
                    assert!((phi[[r, i, j, 0]] - want).abs() < 1e-4, "m={m} ({i},{j})");
                    assert_eq!(phi[[r, i, j, 0]], phi[[r, j, i, 0]]);
                }
            }
        }
        let (rows, total) = efficiency_gaps(&e);
        assert!(rows < 1e-9 && total < 1e-5, "{rows} {total}");
    }
}

#[test]
fn planted_pairwise_terms_are_recovered_exactly_by_the_covering_orders() {
    // M = 10 at 360 coalitions: two rounds of covering orders (below the surrogate's budget), in
    // which every pair's discrete derivative is the same in every context.
    let m = 10;
    let (model, b) = pairwise_model(m, 7);
    let (x, bg) = (grid(2, m, 17), grid(5, m, 27));
    let e = explain(
        &model,
        x.view(),
        bg.view(),
        ShapMethod::Permutation,
        Some(360),
        4,
    );
    let exact = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let (phi, want) = (interactions(&e), interactions(&exact));
    for r in 0..2 {
        for i in 0..m {
            for j in (0..m).filter(|&j| j != i) {
                let got = phi[[r, i, j, 0]];
                assert!((got - want[[r, i, j, 0]]).abs() < 1e-4, "({i},{j}) {got}");
            }
        }
    }
    assert!(b.iter().any(|&v| v != 0.0));
    let (rows, total) = efficiency_gaps(&e);
    assert!(rows < 1e-9 && total < 1e-5, "{rows} {total}");
}

#[test]
fn exact_equals_the_literal_formula_on_a_nonlinear_model() {
    let m = 6;
    let model = FnModel::new(m, 2, |x| {
        let p: f32 = x.iter().take(4).map(|v| v + 1.5).product();
        let mx = x.iter().cloned().fold(f32::MIN, f32::max);
        vec![p, mx]
    });
    let (x, bg) = (grid(3, m, 9), grid(4, m, 10));
    let e = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let lit = literal_interactions(&model, x.view(), bg.view());
    assert!(
        max_abs(interactions(&e), &lit) < 1e-9,
        "{}",
        max_abs(interactions(&e), &lit)
    );
    assert!(e.interactions.as_ref().unwrap().stderr.is_none());
    // φ is the run's own exact φ, unchanged by asking for interactions.
    let plain = ShapExplainer::new(&model, bg.view())
        .method(ShapMethod::Exact)
        .explain(x.view())
        .unwrap();
    assert_eq!(plain.values, e.values);
    assert!(plain.interactions.is_none());
}

fn wine() -> (OnnxModel, Array2<f32>, Array2<f32>) {
    let model = OnnxModel::load("models/wine_keras3.onnx").unwrap();
    let test = onnx_inspector::data::read_csv("models/wine_test.csv").unwrap();
    let train = onnx_inspector::data::read_csv("models/wine_train.csv").unwrap();
    let bg = train.values.slice(ndarray::s![0..10, ..]).to_owned();
    (model, test.values, bg)
}

#[test]
fn exact_on_the_wine_network_equals_an_independent_enumeration() {
    // 13 features, 3 outputs: all 8192 coalitions evaluated literally through the model.
    let (model, test, bg) = wine();
    let x = test.slice(ndarray::s![0..2, ..]).to_owned();
    let e = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let lit = literal_interactions(&model, x.view(), bg.view());
    let err = max_abs(interactions(&e), &lit);
    assert!(err < 1e-6, "{err}");
    let (rows, total) = efficiency_gaps(&e);
    assert!(rows < 1e-9 && total < 1e-5, "{rows} {total}");
}

fn as3(a: &Array4<f64>) -> Array3<f64> {
    let (n, p, q, k) = a.dim();
    Array3::from_shape_fn((n, p * q, k), |(r, x, o)| a[[r, x / q, x % q, o]])
}

#[test]
fn sampled_interactions_converge_to_exact_on_the_wine_network() {
    let (model, test, bg) = wine();
    let x = test.slice(ndarray::s![0..3, ..]).to_owned();
    let exact = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    let errs: Vec<f64> = [300, 2000]
        .iter()
        .map(|&b| {
            let e = explain(
                &model,
                x.view(),
                bg.view(),
                ShapMethod::Permutation,
                Some(b),
                5,
            );
            let (rows, total) = efficiency_gaps(&e);
            assert!(rows < 1e-9 && total < 1e-5, "{rows} {total}");
            rel_l2(&as3(interactions(&e)), &as3(interactions(&exact)))
        })
        .collect();
    assert!(errs[1] < errs[0] && errs[1] < 0.1, "{errs:?}");
    // A budget covering every coalition gives the exact SII (φ from kernel SHAP, exact there too).
    let e = explain(
        &model,
        x.view(),
        bg.view(),
        ShapMethod::Kernel,
        Some(8190),
        1,
    );
    let err = max_abs(interactions(&e), interactions(&exact));
    assert!(err < 1e-6, "{err}");
}

#[test]
fn error_bars_cover_the_exact_values_about_95_percent_of_the_time() {
    let m = 8;
    let model = FnModel::new(m, 1, |x| {
        let s: f32 = x.iter().take(5).map(|v| v + 1.2).product();
        vec![(s + x[5] * x[6] - x[7].abs()).tanh()]
    });
    let (x, bg) = (grid(6, m, 31), grid(8, m, 32));
    let exact = explain(&model, x.view(), bg.view(), ShapMethod::Exact, None, 0);
    // Covering orders (the surrogate's quadratic fit would need 360 of the 256 coalitions): under
    // one round, where the pooled spread is conservative, and two rounds.
    for budget in [90, 200] {
        coverage_of(&model, x.view(), bg.view(), &exact, budget);
    }
}

fn coverage_of(
    model: &dyn Model,
    x: ArrayView2<f32>,
    bg: ArrayView2<f32>,
    exact: &Explanation,
    budget: usize,
) {
    let (mut inside, mut total) = (0usize, 0usize);
    for seed in 0..8 {
        let e = explain(model, x, bg, ShapMethod::Permutation, Some(budget), seed);
        let se = e.interactions.as_ref().unwrap().stderr.as_ref().unwrap();
        for ((a, b), s) in interactions(&e).iter().zip(interactions(exact)).zip(se) {
            total += 1;
            inside += ((a - b).abs() <= 1.96 * s + 1e-12) as usize;
        }
    }
    let rate = inside as f64 / total as f64;
    assert!(
        (0.85..=0.995).contains(&rate),
        "budget {budget}: coverage {rate} over {total}"
    );
}

#[test]
fn the_tolerance_stops_sampling_once_the_errors_are_small() {
    let (model, test, bg) = wine();
    let x = test.slice(ndarray::s![0..2, ..]).to_owned();
    let full = explain(
        &model,
        x.view(),
        bg.view(),
        ShapMethod::Permutation,
        Some(6000),
        3,
    );
    let loose = ShapExplainer::new(&model, bg.view())
        .method(ShapMethod::Permutation)
        .samples(6000)
        .seed(3)
        .tolerance(0.2)
        .interactions(true)
        .explain(x.view())
        .unwrap();
    for r in 0..2 {
        assert!(
            loose.evaluations[r] < full.evaluations[r],
            "{:?}",
            loose.evaluations
        );
    }
}

#[test]
fn partition_refuses_interactions() {
    let model = FnModel::new(3, 1, |x| vec![x[0] * x[1]]);
    let bg = grid(3, 3, 1);
    let err = ShapExplainer::new(&model, bg.view())
        .method(ShapMethod::Partition)
        .interactions(true)
        .explain(grid(1, 3, 2).view())
        .unwrap_err();
    assert!(err.to_string().contains("interactions"), "{err}");
}

#[test]
fn the_cli_writes_interactions_only_when_asked() {
    let run = |dir: &std::path::Path, extra: &[&str]| {
        let st = std::process::Command::new(env!("CARGO_BIN_EXE_onnx-inspector"))
            .args([
                "explain",
                "models/wine_keras3.onnx",
                "--data",
                "models/wine_test.csv",
            ])
            .args([
                "--rows",
                "0:3",
                "--quiet",
                "--no-charts",
                "--samples",
                "600",
                "--out",
            ])
            .arg(dir)
            .args(extra)
            .status()
            .unwrap();
        assert!(st.success());
        let text = std::fs::read_to_string(dir.join("explanations.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    let tmp = std::env::temp_dir().join(format!("iq_cli_{}", std::process::id()));
    let (with, without) = (tmp.join("with"), tmp.join("without"));
    let plain = run(&without, &[]);
    assert!(plain.get("interactions").is_none() && plain["meta"].get("interactions").is_none());
    assert!(plain["summary"][0].get("mean_abs_interactions").is_none());
    let d = run(&with, &["--interactions"]);
    let (phi, values) = (&d["interactions"], &d["values"]);
    for r in 0..3 {
        for i in 0..13 {
            for o in 0..3 {
                let s: f64 = (0..13).map(|j| phi[r][i][j][o].as_f64().unwrap()).sum();
                assert!((s - values[r][i][o].as_f64().unwrap()).abs() < 1e-9);
            }
        }
    }
    assert_eq!(d["interactions_stderr"].as_array().unwrap().len(), 3);
    assert_eq!(
        d["summary"][2]["mean_abs_interactions"]
            .as_array()
            .unwrap()
            .len(),
        13
    );
    assert!(with.join("interactions/part-00000.parquet").exists());
    // φ with interactions comes from the interaction estimator's own orders: it agrees with the
    // plain run's within their standard errors.
    let flat = |v: &serde_json::Value| -> Vec<f64> {
        let mut out = vec![];
        for r in v.as_array().unwrap() {
            for f in r.as_array().unwrap() {
                out.extend(f.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()));
            }
        }
        out
    };
    let (a, b) = (flat(&d["values"]), flat(&plain["values"]));
    let (sa, sb) = (flat(&d["stderr"]), flat(&plain["stderr"]));
    assert_eq!(a.len(), b.len());
    for x in 0..a.len() {
        let band = 4.0 * (sa[x] * sa[x] + sb[x] * sb[x]).sqrt() + 1e-9;
        assert!((a[x] - b[x]).abs() <= band, "{x}: {} vs {}", a[x], b[x]);
    }
    // Shards merged carry the interaction parts and give the single run's matrices.
    let shards: Vec<_> = (0..2).map(|k| tmp.join(format!("shard{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        let shard = format!("{k}/2");
        run(
            dir,
            &["--interactions", "--chunk-rows", "1", "--shard", &shard],
        );
    }
    let merged = tmp.join("merged");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_onnx-inspector"))
        .arg("merge")
        .args(&shards)
        .args(["--no-charts", "--quiet", "--out"])
        .arg(&merged)
        .status()
        .unwrap();
    assert!(st.success());
    let text = std::fs::read_to_string(merged.join("explanations.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(m["interactions"], d["interactions"]);
    assert_eq!(m["interactions_stderr"], d["interactions_stderr"]);
    // The heatmaps draw from the file; without interactions they refuse with a clear line.
    let plot = |dir: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_onnx-inspector"))
            .arg("plot")
            .arg(dir.join("explanations.json"))
            .args(["--kind", "interactions", "--out"])
            .arg(dir.join("charts"))
            .output()
            .unwrap()
    };
    assert!(plot(&with).status.success());
    for name in ["interactions_out", "interactions_row0_out"] {
        let found = std::fs::read_dir(with.join("charts"))
            .unwrap()
            .any(|f| f.unwrap().file_name().to_string_lossy().starts_with(name));
        assert!(found, "{name}");
    }
    let refused = plot(&without);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--interactions"));
    std::fs::remove_dir_all(&tmp).ok();
}
