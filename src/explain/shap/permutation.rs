//! Permutation SHAP with antithetic pairs: each order is walked forward and in reverse, the
//! orders stratified by position ([`stratified_orders`]).

use crate::error::Result;
use crate::explain::explanation::RowAttribution;
use crate::explain::game::coalition::Coalition;
use crate::explain::game::row_game::RowGame;
use crate::explain::shap::rounds::Rounds;
use crate::explain::shap::stratified::stratified_orders;
use ndarray::Array2;
use rand::Rng;

/// Permutation SHAP for one row; `budget` coalitions buy `budget / (2(M−1))` antithetic pairs.
pub(crate) fn explain_row(
    game: &RowGame,
    budget: usize,
    rounds: &Rounds,
    rng: &mut impl Rng,
) -> Result<RowAttribution> {
    let m = game.n_players();
    let (fx, base) = (&game.fx[..], game.base);
    let k = fx.len();
    let per_pair = 2 * m.saturating_sub(1);
    // The budget was checked against all features (`ShapParams::check`): at least two pairs.
    let pairs = budget.checked_div(per_pair).unwrap_or(2).max(2);
    // Per pair unit: φ_u = (forward + reverse marginals) / 2; estimate = mean, se = sd / √n.
    let mut sum = Array2::<f64>::zeros((m, k));
    let mut sum_sq = Array2::<f64>::zeros((m, k));
    let mut done = 0usize;
    loop {
        let step = rounds.step(pairs).min(pairs - done).max(1);
        let perms = stratified_orders(rng, m, step);
        // Forward prefixes P_1..P_{M-1} and, for the reverse order, their complements.
        let mut coalitions = Vec::with_capacity(step * per_pair);
        for p in &perms {
            for len in 1..m {
                let c = Coalition::from_features(m, p[..len].iter().copied());
                coalitions.push(c.complement(m));
                coalitions.push(c);
            }
        }
        let v = game.values(&coalitions)?;
        for (u, p) in perms.iter().enumerate() {
            let row = |i: usize, o: usize| v[[u * per_pair + i, o]];
            // v(P_len) on the forward walk; on the reverse walk the prefix is the complement of P_{M-len}.
            let fwd = |len: usize, o: usize| match len {
                0 => base[o],
                l if l == m => fx[o],
                l => row(2 * (l - 1) + 1, o),
            };
            let rev = |len: usize, o: usize| match len {
                0 => base[o],
                l if l == m => fx[o],
                l => row(2 * (m - l - 1), o),
            };
            let mut unit = Array2::<f64>::zeros((m, k));
            for j in 0..m {
                for o in 0..k {
                    unit[[p[j], o]] += 0.5 * (fwd(j + 1, o) - fwd(j, o));
                    unit[[p[m - 1 - j], o]] += 0.5 * (rev(j + 1, o) - rev(j, o));
                }
            }
            sum += &unit;
            sum_sq += &(&unit * &unit);
        }
        done += step;
        let n = done as f64;
        let phi = &sum / n;
        let se = ndarray::Zip::from(&sum)
            .and(&sum_sq)
            .map_collect(|&s, &s2| {
                if done < 2 {
                    0.0
                } else {
                    ((s2 - s * s / n).max(0.0) / (n - 1.0) / n).sqrt()
                }
            });
        if done >= pairs || (done >= 2 && rounds.converged(&phi, &se)) {
            return Ok(RowAttribution {
                values: phi,
                stderr: Some(se),
                evaluations: done * per_pair,
                lime: None,
            });
        }
    }
}
