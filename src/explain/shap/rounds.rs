//! Covert–Lee early stopping: sample in rounds until every standard error is small enough.

use ndarray::{Array2, Axis};

/// Optional early stopping: rounds of sampling until max se < tolerance × (max φ − min φ).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rounds {
    /// Covert & Lee's relative tolerance; `None` spends the whole budget in one round.
    pub tolerance: Option<f64>,
}

impl Rounds {
    /// Units to draw in the next round out of a total budget.
    pub fn step(&self, total: usize) -> usize {
        match self.tolerance {
            None => total.max(1),
            Some(_) => (total / 10).max(1),
        }
    }

    /// Whether every output's largest se is below tolerance × its attribution range.
    pub fn converged(&self, phi: &Array2<f64>, se: &Array2<f64>) -> bool {
        let Some(t) = self.tolerance else {
            return false;
        };
        phi.axis_iter(Axis(1))
            .zip(se.axis_iter(Axis(1)))
            .all(|(p, s)| {
                let range = p.fold(f64::MIN, |a, &v| a.max(v)) - p.fold(f64::MAX, |a, &v| a.min(v));
                s.fold(0.0f64, |a, &v| a.max(v)) <= t * range
            })
    }
}
