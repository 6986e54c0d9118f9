//! The common result of every estimator: attributions per row, feature and output.

use ndarray::{Array2, Array3};

/// Attributions for one explained row.
#[derive(Debug, Clone)]
pub struct RowAttribution {
    /// φ, shape [M, K].
    pub values: Array2<f64>,
    /// Standard error of each φ, shape [M, K]; `None` when the estimate is exact.
    pub stderr: Option<Array2<f64>>,
    /// Coalitions (or perturbed samples) evaluated for this row.
    pub evaluations: usize,
    /// Estimator-specific extras (LIME's intercept, score...).
    pub extra: Option<serde_json::Value>,
}

/// Attributions for many rows, shaped like `shap.Explanation`.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// Feature names `[M]`.
    pub feature_names: Vec<String>,
    /// Output names `[K]`.
    pub output_names: Vec<String>,
    /// Indices of the explained rows in the data file.
    pub row_indices: Vec<usize>,
    /// Explained inputs [n, M].
    pub data: Array2<f32>,
    /// Attributions [n, M, K].
    pub values: Array3<f64>,
    /// E f(background) or the estimator's intercept, [n, K].
    pub base_values: Array2<f64>,
    /// f(x) [n, K].
    pub predictions: Array2<f64>,
    /// Standard errors [n, M, K], `None` for exact methods.
    pub stderr: Option<Array3<f64>>,
    /// Evaluations per row.
    pub evaluations: Vec<usize>,
    /// Per-row estimator extras (LIME), if any.
    pub extras: Vec<Option<serde_json::Value>>,
}

impl Explanation {
    /// Assembles per-row results (all with the same M and K).
    pub fn from_rows(
        feature_names: Vec<String>,
        output_names: Vec<String>,
        row_indices: Vec<usize>,
        data: Array2<f32>,
        base_values: Array2<f64>,
        predictions: Array2<f64>,
        rows: Vec<RowAttribution>,
    ) -> Explanation {
        let (n, m, k) = (rows.len(), feature_names.len(), output_names.len());
        let mut values = Array3::zeros((n, m, k));
        let any_se = rows.iter().any(|r| r.stderr.is_some());
        let mut stderr = any_se.then(|| Array3::zeros((n, m, k)));
        for (i, r) in rows.iter().enumerate() {
            values.index_axis_mut(ndarray::Axis(0), i).assign(&r.values);
            if let (Some(se), Some(rse)) = (stderr.as_mut(), r.stderr.as_ref()) {
                se.index_axis_mut(ndarray::Axis(0), i).assign(rse);
            }
        }
        Explanation {
            feature_names,
            output_names,
            row_indices,
            data,
            values,
            base_values,
            predictions,
            stderr,
            evaluations: rows.iter().map(|r| r.evaluations).collect(),
            extras: rows.into_iter().map(|r| r.extra).collect(),
        }
    }

    /// Number of explained rows.
    pub fn n_rows(&self) -> usize {
        self.values.shape()[0]
    }
}
