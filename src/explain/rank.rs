//! Ranking features by importance, shared by the estimators, the summary and the charts.

use ndarray::{ArrayView2, Axis};

/// Indices of `scores` by decreasing value, ties by lower index first.
pub fn rank_desc(scores: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    idx
}

/// Mean |φ| of each feature over the rows of `values` [n, M] (zeros when there are no rows).
pub fn mean_abs(values: ArrayView2<f64>) -> Vec<f64> {
    let n = values.nrows().max(1) as f64;
    values
        .axis_iter(Axis(1))
        .map(|c| c.iter().map(|v| v.abs()).sum::<f64>() / n)
        .collect()
}
