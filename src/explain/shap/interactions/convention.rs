//! shap's convention for interaction matrices: half the SII off the diagonal, and the diagonal
//! that makes each row sum to the player's Shapley value.

use ndarray::{Array2, Array3};

/// Interaction values of one row over its game's players.
#[derive(Debug, Clone)]
pub(crate) struct RowInteractions {
    /// Φ [M, M, K] in shap's convention.
    pub values: Array3<f64>,
    /// Standard error of each Φ entry [M, M, K]; `None` when exact.
    pub stderr: Option<Array3<f64>>,
}

impl RowInteractions {
    /// Spreads a game's matrices (over its `players`, indices among `total`) over all players,
    /// 0 for the players left out of the game (constant players interact with none).
    pub fn expand(self, players: &[usize], total: usize) -> RowInteractions {
        let spread = |a: &Array3<f64>| {
            let mut full = Array3::zeros((total, total, a.shape()[2]));
            for (p, &i) in players.iter().enumerate() {
                for (q, &j) in players.iter().enumerate() {
                    full.slice_mut(ndarray::s![i, j, ..])
                        .assign(&a.slice(ndarray::s![p, q, ..]));
                }
            }
            full
        };
        RowInteractions {
            values: spread(&self.values),
            stderr: self.stderr.as_ref().map(spread),
        }
    }
}

/// Φ from the SII of every pair (`sii` [M, M, K], symmetric; its diagonal is ignored) and φ [M, K]:
/// Φ_ij = SII_ij / 2, Φ_ii = φ_i − Σ_{j≠i} Φ_ij.
pub(crate) fn shap_matrix(sii: &Array3<f64>, phi: &Array2<f64>) -> Array3<f64> {
    let (m, k) = phi.dim();
    let mut out = Array3::<f64>::zeros((m, m, k));
    for i in 0..m {
        for o in 0..k {
            let mut off = 0.0;
            for j in (0..m).filter(|&j| j != i) {
                let half = sii[[i, j, o]] / 2.0;
                out[[i, j, o]] = half;
                off += half;
            }
            out[[i, i, o]] = phi[[i, o]] - off;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shap_matrix;
    use ndarray::{array, Array3};

    #[test]
    fn rows_sum_to_phi() {
        let mut sii = Array3::<f64>::zeros((2, 2, 1));
        sii[[0, 1, 0]] = 3.0;
        sii[[1, 0, 0]] = 3.0;
        let phi = array![[1.0], [2.0]];
        let out = shap_matrix(&sii, &phi);
        assert_eq!(out[[0, 1, 0]], 1.5);
        assert_eq!(out[[0, 0, 0]], -0.5);
        assert_eq!(out[[1, 1, 0]], 0.5);
    }
}
