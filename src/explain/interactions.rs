//! Interaction values of many rows, as shap's `shap_interaction_values` arrays.

use crate::explain::shap::interactions::convention::RowInteractions;
use ndarray::{s, Array4};

/// Pairwise Shapley interaction values in shap's convention: `values[[r, i, j, k]]` = Φ_ij of row
/// r and output k, Φ_ij = SII_ij / 2 off the diagonal, Φ_ii = φ_i − Σ_{j≠i} Φ_ij (each row of a
/// matrix sums to φ_i, the matrix to f(x) − E f(background)).
#[derive(Debug, Clone)]
pub struct Interactions {
    /// Φ [n, P, P, K].
    pub values: Array4<f64>,
    /// Standard errors [n, P, P, K] when sampled (the diagonal's combines φ_i's and its row's).
    pub stderr: Option<Array4<f64>>,
}

impl Interactions {
    /// Stacks per-row matrices (all [P, P, K]).
    pub(crate) fn from_rows(rows: &[RowInteractions]) -> Option<Interactions> {
        let first = rows.first()?;
        let (p, _, k) = first.values.dim();
        let n = rows.len();
        let mut values = Array4::zeros((n, p, p, k));
        let any_se = rows.iter().any(|r| r.stderr.is_some());
        let mut stderr = any_se.then(|| Array4::zeros((n, p, p, k)));
        for (i, r) in rows.iter().enumerate() {
            values.slice_mut(s![i, .., .., ..]).assign(&r.values);
            if let (Some(all), Some(se)) = (stderr.as_mut(), r.stderr.as_ref()) {
                all.slice_mut(s![i, .., .., ..]).assign(se);
            }
        }
        Some(Interactions { values, stderr })
    }
}
