//! A quadratic surrogate game g(T) = a_|T| + Σ_{k∈T} β_k + Σ_{k<l ⊆ T} γ_kl fitted to sampled
//! coalitions by weighted least squares: its SII is known in closed form, so only the residual
//! game's SII has to be estimated.

use crate::explain::linalg::Lu;

/// Most parameters the quadratic surrogate is fitted with (M = 46 players); beyond, the pair
/// terms are left out and the surrogate is additive with per-size intercepts.
pub(crate) const MAX_QUADRATIC_PARAMETERS: usize = 1200;

/// The fitted surrogate, per output.
pub(crate) struct Surrogate {
    m: usize,
    quadratic: bool,
    /// Coefficients per output: a_0..a_M, β_0..β_{M−1}, then γ of each pair k < l.
    coef: Vec<Vec<f64>>,
}

/// Position of pair (k, l), k < l, among the M(M−1)/2 pairs.
pub(crate) fn pair_index(m: usize, k: usize, l: usize) -> usize {
    k * (2 * m - k - 1) / 2 + (l - k - 1)
}

/// Number of parameters of the surrogate over M players.
pub(crate) fn n_parameters(m: usize, quadratic: bool) -> usize {
    let pairs = if quadratic {
        m * m.saturating_sub(1) / 2
    } else {
        0
    };
    2 * m + 1 + pairs
}

/// Whether `budget` coalitions, split in two cross-fitting folds, give the quadratic surrogate at
/// least four coalitions per parameter in each.
pub(crate) fn quadratic_fits(m: usize, budget: usize) -> bool {
    let p = n_parameters(m, true);
    p <= MAX_QUADRATIC_PARAMETERS && budget >= 8 * p
}

impl Surrogate {
    /// The parameters a coalition (its members, increasing) switches on.
    fn active(&self, members: &[usize], out: &mut Vec<usize>) {
        let m = self.m;
        out.clear();
        out.push(members.len());
        out.extend(members.iter().map(|&k| m + 1 + k));
        if self.quadratic {
            for (a, &k) in members.iter().enumerate() {
                for &l in &members[a + 1..] {
                    out.push(2 * m + 1 + pair_index(m, k, l));
                }
            }
        }
    }

    /// Fits the surrogate to coalitions (members of each), their values [n][K] and weights.
    pub fn fit(
        m: usize,
        quadratic: bool,
        members: &[Vec<usize>],
        values: &[&[f64]],
        weights: &[f64],
    ) -> Surrogate {
        let k = values.first().map_or(0, |v| v.len());
        let p = n_parameters(m, quadratic);
        let mut s = Surrogate {
            m,
            quadratic,
            coef: vec![vec![0.0; p]; k],
        };
        let mut normal = vec![0.0; p * p];
        let mut rhs = vec![vec![0.0; p]; k];
        let mut act = Vec::new();
        for ((t, v), &w) in members.iter().zip(values).zip(weights) {
            s.active(t, &mut act);
            for &x in &act {
                for &y in &act {
                    normal[x * p + y] += w;
                }
                for (o, r) in rhs.iter_mut().enumerate() {
                    r[x] += w * v[o];
                }
            }
        }
        // The fit is singular along directions that leave every SII unchanged (β + c with
        // a_t − c·t; γ + c with a_t − c·C(t, 2)), and wherever the sample is thin: a small ridge.
        let scale = (0..p).map(|x| normal[x * p + x]).fold(0.0f64, f64::max);
        let mut ridge = scale.max(f64::MIN_POSITIVE) * 1e-9;
        let lu = loop {
            let mut a = normal.clone();
            for x in 0..p {
                a[x * p + x] += ridge;
            }
            match Lu::factor(p, a) {
                Some(lu) => break lu,
                None => ridge *= 100.0,
            }
        };
        s.coef = rhs.iter().map(|r| lu.solve(r)).collect();
        s
    }

    /// g(T) per output for a coalition's members.
    pub fn value(&self, members: &[usize], act: &mut Vec<usize>) -> Vec<f64> {
        self.active(members, act);
        self.coef
            .iter()
            .map(|c| act.iter().map(|&x| c[x]).sum())
            .collect()
    }

    /// The surrogate's SII of pair (i, j), i < j, for output `o`: γ_ij plus the symmetric part's
    /// (a_M − a_{M−1} − a_1 + a_0) / (M − 1).
    pub fn sii(&self, i: usize, j: usize, o: usize) -> f64 {
        let (m, c) = (self.m, &self.coef[o]);
        let symmetric = (c[m] - c[m - 1] - c[1] + c[0]) / (m - 1) as f64;
        match self.quadratic {
            true => symmetric + c[2 * m + 1 + pair_index(m, i, j)],
            false => symmetric,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::sampling::for_each_combination;

    #[test]
    fn recovers_a_quadratic_game_and_its_interactions() {
        let m = 5;
        let game = |t: &[usize]| {
            let lin: f64 = t.iter().map(|&k| k as f64 + 0.5).sum();
            let pair = if t.contains(&1) && t.contains(&3) {
                2.5
            } else {
                0.0
            };
            vec![lin + pair + (t.len() * t.len()) as f64 * 0.1]
        };
        let mut members = vec![];
        for size in 0..=m {
            for_each_combination(m, size, |c| members.push(c.to_vec()));
        }
        let values: Vec<Vec<f64>> = members.iter().map(|t| game(t)).collect();
        let refs: Vec<&[f64]> = values.iter().map(|v| &v[..]).collect();
        let s = Surrogate::fit(m, true, &members, &refs, &vec![1.0; members.len()]);
        // a_t = 0.1 t²: second differences 0.2 each, (a_5 − a_4 − a_1 + a_0)/4 = 0.2.
        assert!((s.sii(1, 3, 0) - 2.7).abs() < 1e-6, "{}", s.sii(1, 3, 0));
        assert!((s.sii(0, 2, 0) - 0.2).abs() < 1e-6);
        let mut act = vec![];
        assert!((s.value(&[1, 3], &mut act)[0] - game(&[1, 3])[0]).abs() < 1e-6);
        assert_eq!(pair_index(5, 3, 4), 9);
    }
}
