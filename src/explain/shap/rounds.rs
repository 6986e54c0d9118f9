//! Early stopping: sample in rounds until the standard errors are small enough (Covert–Lee's
//! tolerance on the largest, or a target on their root mean square).

use ndarray::{Array2, Axis};

/// Optional early stopping rules; with none the whole budget is spent in one round.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Rounds {
    /// Covert & Lee: every output's max se < tolerance × (max φ − min φ).
    pub tolerance: Option<f64>,
    /// RMS of the se over players and outputs ≤ se_target × RMS over outputs of ‖φ‖₂.
    pub se_target: Option<f64>,
}

impl Rounds {
    /// Units to draw in the next round out of a total budget.
    pub fn step(&self, total: usize) -> usize {
        match (self.tolerance, self.se_target) {
            (None, None) => total.max(1),
            _ => (total / 10).max(1),
        }
    }

    /// Whether every rule given holds (false when none is).
    pub fn converged(&self, phi: &Array2<f64>, se: &Array2<f64>) -> bool {
        if self.tolerance.is_none() && self.se_target.is_none() {
            return false;
        }
        let tolerance_met = self.tolerance.is_none_or(|t| {
            phi.axis_iter(Axis(1))
                .zip(se.axis_iter(Axis(1)))
                .all(|(p, s)| {
                    let range =
                        p.fold(f64::MIN, |a, &v| a.max(v)) - p.fold(f64::MAX, |a, &v| a.min(v));
                    s.fold(0.0f64, |a, &v| a.max(v)) <= t * range
                })
        });
        tolerance_met && self.se_target.is_none_or(|t| rms_se_within(phi, se, t))
    }
}

/// Whether √(mean se²) ≤ t · √(Σφ² / K) over M players and K outputs: the row's estimated
/// relative L2 error √Σse² / ‖φ‖ is then at most t·√M.
fn rms_se_within(phi: &Array2<f64>, se: &Array2<f64>, t: f64) -> bool {
    let (m, k) = phi.dim();
    if m == 0 || k == 0 {
        return true;
    }
    let mean_se2 = se.iter().map(|v| v * v).sum::<f64>() / (m * k) as f64;
    let phi2 = phi.iter().map(|v| v * v).sum::<f64>() / k as f64;
    mean_se2 <= t * t * phi2
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn se_target_compares_rms_se_with_the_attribution_norm() {
        // ‖φ‖ = 5 (one output); RMS se = 0.1 → met from t = 0.02 on: at 0.021, not at 0.019.
        let phi = array![[3.0], [4.0]];
        let se = array![[0.1], [0.1]];
        let at = |t| {
            Rounds {
                tolerance: None,
                se_target: Some(t),
            }
            .converged(&phi, &se)
        };
        assert!(at(0.021));
        assert!(!at(0.019));
        assert!(!Rounds::default().converged(&phi, &se));
    }

    #[test]
    fn both_rules_must_hold_when_both_are_given() {
        let phi = array![[3.0], [4.0]];
        let se = array![[0.1], [0.1]];
        // Range 1 → tolerance 0.05 needs max se ≤ 0.05: not met though the se target is.
        let r = Rounds {
            tolerance: Some(0.05),
            se_target: Some(0.1),
        };
        assert!(!r.converged(&phi, &se));
        let r = Rounds {
            tolerance: Some(0.2),
            se_target: Some(0.1),
        };
        assert!(r.converged(&phi, &se));
    }
}
