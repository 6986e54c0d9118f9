//! Helpers shared by the integration tests: test models, literal Shapley values, pools.
#![allow(dead_code)]

use ndarray::{Array2, Array3, ArrayView2};
use onnx_inspector::explain::{Explainer, Explanation, ShapExplainer, ShapMethod, ShapParams};
use onnx_inspector::model::Model;

/// Runs `f` on a pool with `threads` threads.
pub fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Explains all rows of `x` with the given method and budget.
pub fn explain(
    model: &dyn Model,
    x: ArrayView2<f32>,
    bg: ArrayView2<f32>,
    method: ShapMethod,
    samples: Option<usize>,
    seed: u64,
) -> Explanation {
    let names = (0..model.n_features()).map(|j| format!("f{j}")).collect();
    let rows: Vec<usize> = (0..x.nrows()).collect();
    let opts = ShapParams {
        method,
        samples,
        seed,
        ..ShapParams::default()
    };
    ShapExplainer::new(model, bg)
        .params(opts.clone())
        .feature_names(names)
        .explain_indexed(x, &rows)
        .unwrap()
}

/// v(S) computed literally: the mean model output over background rows with S taken from x.
fn literal_value(model: &dyn Model, x: &[f32], bg: ArrayView2<f32>, s: u64) -> Vec<f64> {
    let mut rows = bg.to_owned();
    for mut r in rows.outer_iter_mut() {
        for (j, v) in r.iter_mut().enumerate() {
            if s >> j & 1 == 1 {
                *v = x[j];
            }
        }
    }
    let p = model.predict(rows.view()).unwrap();
    (0..p.ncols())
        .map(|o| p.column(o).iter().map(|&v| v as f64).sum::<f64>() / p.nrows() as f64)
        .collect()
}

fn factorial(n: usize) -> f64 {
    (1..=n).map(|v| v as f64).product()
}

/// Shapley values by the textbook formula over all subsets, for small M: [n, M, K].
pub fn literal_shapley(model: &dyn Model, x: ArrayView2<f32>, bg: ArrayView2<f32>) -> Array3<f64> {
    let m = x.ncols();
    let k = model.n_outputs();
    let mut out = Array3::zeros((x.nrows(), m, k));
    for (r, row) in x.outer_iter().enumerate() {
        let row = row.to_vec();
        let v: Vec<Vec<f64>> = (0..1u64 << m)
            .map(|s| literal_value(model, &row, bg, s))
            .collect();
        for i in 0..m {
            for s in 0..1u64 << m {
                if s >> i & 1 == 1 {
                    continue;
                }
                let size = s.count_ones() as usize;
                let w = factorial(size) * factorial(m - size - 1) / factorial(m);
                for o in 0..k {
                    out[[r, i, o]] += w * (v[(s | 1 << i) as usize][o] - v[s as usize][o]);
                }
            }
        }
    }
    out
}

/// Largest absolute difference between two arrays of the same shape.
pub fn max_abs_diff(a: &Array3<f64>, b: &Array3<f64>) -> f64 {
    assert_eq!(a.shape(), b.shape());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// ||a − b||_F / ||b||_F.
pub fn rel_l2(a: &Array3<f64>, b: &Array3<f64>) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
    let den: f64 = b.iter().map(|y| y * y).sum();
    (num / den).sqrt()
}

/// Σ_i φ_i − (f(x) − base) for every row and output, the largest magnitude.
pub fn efficiency_gap(e: &Explanation) -> f64 {
    let mut worst = 0.0f64;
    for r in 0..e.n_rows() {
        for o in 0..e.output_names.len() {
            let s: f64 = (0..e.feature_names.len())
                .map(|j| e.values[[r, j, o]])
                .sum();
            let gap = s - (e.predictions[[r, o]] - e.base_values[[r, o]]);
            worst = worst.max(gap.abs());
        }
    }
    worst
}

/// Deterministic pseudo-random data in [-1, 1].
pub fn grid(n: usize, m: usize, salt: u64) -> Array2<f32> {
    Array2::from_shape_fn((n, m), |(i, j)| {
        let h = (i as u64 * 7919 + j as u64 * 104_729 + salt * 1_299_709)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((h >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    })
}

/// Stderr of a run that must fail with one `error:` line.
pub fn error_of(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}
