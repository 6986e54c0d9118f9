//! The weights of the Shapley interaction index and the coefficient of each coalition in it.

use crate::explain::sampling::binomial;

/// SII weight s!(M−s−2)!/(M−1)! of a coalition of size s holding neither player, s = 0..M−2.
pub(crate) fn interaction_weights(m: usize) -> Vec<f64> {
    if m < 2 {
        return vec![];
    }
    (0..=m - 2)
        .map(|s| 1.0 / ((m - 1) as f64 * binomial(m - 2, s)))
        .collect()
}

/// Coefficient of v(T) in SII_ij for a coalition of size `t` holding `held` of {i, j}:
/// +w(t−2) when it holds both, −w(t−1) one, +w(t) neither (0 outside 0..M−2).
pub(crate) fn coefficient(w: &[f64], t: usize, held: usize) -> f64 {
    let at = |s: Option<usize>| s.and_then(|s| w.get(s)).copied().unwrap_or(0.0);
    match held {
        2 => at(t.checked_sub(2)),
        1 => -at(t.checked_sub(1)),
        _ => at(Some(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_difference_stratum_weighs_one_over_m_minus_one() {
        for m in 2..15usize {
            let w = interaction_weights(m);
            for (s, ws) in w.iter().enumerate() {
                let mass = ws * binomial(m - 2, s);
                assert!((mass - 1.0 / (m - 1) as f64).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn coefficients_of_a_constant_game_cancel() {
        // SII of a constant game is 0: Σ_T c(T) = 0 summed over all coalitions.
        let m = 7;
        let w = interaction_weights(m);
        let mut total = 0.0;
        for t in 0..=m {
            for held in 0..=2usize {
                let others = t.checked_sub(held).filter(|&r| r <= m - 2);
                let Some(r) = others else { continue };
                total += binomial(2, held) * binomial(m - 2, r) * coefficient(&w, t, held);
            }
        }
        assert!(total.abs() < 1e-12, "{total}");
    }
}
