//! Exact Shapley values by enumerating all 2^M coalitions.

use crate::error::Result;
use crate::explain::explanation::RowAttribution;
use crate::explain::game::coalition::Coalition;
use crate::explain::game::row_game::RowGame;
use crate::explain::params::MAX_EXACT_FEATURES;
use ndarray::Array2;

/// Shapley weight s!(M−s−1)!/M! of a coalition of size s not holding the feature.
pub fn shapley_weights(m: usize) -> Vec<f64> {
    // 1 / (M * C(M-1, s)), with C built multiplicatively in f64.
    let mut w = Vec::with_capacity(m);
    let mut binom = 1.0f64;
    for s in 0..m {
        if s > 0 {
            binom *= (m - s) as f64 / s as f64;
        }
        w.push(1.0 / (m as f64 * binom));
    }
    w
}

/// v(S) of every coalition of a game's players, indexed by the coalition's bits.
pub(crate) struct ValueTable {
    /// v(mask) per output, shape [2^M, K].
    pub values: Array2<f64>,
    /// Model evaluations spent (every coalition but ∅ and the full set).
    pub evaluations: usize,
}

impl ValueTable {
    /// Evaluates all 2^M coalitions of the game's players, in Gray-code order.
    pub fn of(game: &RowGame) -> Result<ValueTable> {
        let m = game.n_players();
        // `ShapParams::check` bounds the features, and so the players, by MAX_EXACT_FEATURES.
        debug_assert!(m <= MAX_EXACT_FEATURES);
        let k = game.n_outputs();
        let full = (1u64 << m) - 1;
        // Gray-code order: each coalition differs from the previous one in one feature, which the
        // incremental evaluator turns into one update per coalition.
        let gray: Vec<u64> = (1..=full)
            .map(|i| i ^ (i >> 1))
            .filter(|&g| g != full)
            .collect();
        let inner: Vec<Coalition> = gray.iter().map(|&g| Coalition::from_bits(m, g)).collect();
        let v_gray = game.values(&inner)?;
        let mut values = Array2::<f64>::zeros(((full + 1) as usize, k));
        for (&g, v) in gray.iter().zip(v_gray.outer_iter()) {
            values.row_mut(g as usize).assign(&v);
        }
        for o in 0..k {
            values[[0, o]] = game.base[o];
            values[[full as usize, o]] = game.fx[o];
        }
        Ok(ValueTable {
            values,
            evaluations: inner.len(),
        })
    }

    /// Number of players.
    pub fn n_players(&self) -> usize {
        self.values.nrows().trailing_zeros() as usize
    }

    /// φ [M, K] by the Shapley formula over the table.
    pub fn shapley(&self) -> Array2<f64> {
        let m = self.n_players();
        let k = self.values.ncols();
        let v = &self.values;
        let w = shapley_weights(m);
        let mut phi = Array2::<f64>::zeros((m, k));
        for mask in 0..v.nrows() {
            let s = mask.count_ones() as usize;
            for i in (0..m).filter(|i| mask >> i & 1 == 0) {
                let with = mask | 1 << i;
                for o in 0..k {
                    phi[[i, o]] += w[s] * (v[[with, o]] - v[[mask, o]]);
                }
            }
        }
        phi
    }
}

/// Exact φ over the game's players.
pub(crate) fn explain_row(game: &RowGame) -> Result<RowAttribution> {
    let table = ValueTable::of(game)?;
    Ok(RowAttribution {
        values: table.shapley(),
        stderr: None,
        evaluations: table.evaluations,
        lime: None,
    })
}

#[cfg(test)]
mod tests {
    use super::shapley_weights;

    #[test]
    fn weights_sum_to_one_over_coalitions() {
        // Σ_s C(M-1, s) w(s) = 1 for every M.
        for m in 1..12usize {
            let w = shapley_weights(m);
            let mut binom = 1.0;
            let mut total = 0.0;
            for (s, ws) in w.iter().enumerate() {
                if s > 0 {
                    binom *= (m - s) as f64 / s as f64;
                }
                total += binom * ws;
            }
            assert!((total - 1.0).abs() < 1e-12, "m={m}: {total}");
        }
    }
}
