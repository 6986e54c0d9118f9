//! Global importance with confidence intervals: mean |φ| per feature over rows, with a bootstrap
//! over rows (which rows were explained) and the estimators' standard errors (how precisely each
//! φ was estimated) combined into one 95% interval.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Bootstrap resamples of the rows.
pub const BOOTSTRAP_RESAMPLES: usize = 200;
/// z of a two-sided 95% normal interval.
pub const Z95: f64 = 1.959_964;

/// One feature's mean |φ| and its uncertainty.
#[derive(Debug, Clone, Serialize)]
pub struct Importance {
    /// Feature (player) index.
    pub feature: usize,
    /// Mean |φ| over the rows.
    pub mean: f64,
    /// Standard deviation of the mean over bootstrap resamples of the rows.
    pub boot_se: f64,
    /// Standard error of the mean from the estimators' per-row standard errors:
    /// sqrt(Σ se²) / n (0 when exact).
    pub est_se: f64,
    /// Lower end of the 95% interval: mean − 1.96·sqrt(boot_se² + est_se²), at least 0.
    pub lo: f64,
    /// Upper end of the 95% interval.
    pub hi: f64,
}

/// Mean |φ| with intervals for every column of `abs_phi` (`[n][m]`, |φ| per row and feature),
/// `se` the matching standard errors when known; resamples drawn from `seed`. `n` must be > 0.
pub fn importance(abs_phi: &[Vec<f64>], se: Option<&[Vec<f64>]>, seed: u64) -> Vec<Importance> {
    let n = abs_phi.len();
    let m = abs_phi.first().map_or(0, Vec::len);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_b007);
    let mut boot = vec![Vec::with_capacity(BOOTSTRAP_RESAMPLES); m];
    for _ in 0..BOOTSTRAP_RESAMPLES {
        let mut sums = vec![0.0; m];
        for _ in 0..n {
            let row = &abs_phi[rng.gen_range(0..n)];
            sums.iter_mut().zip(row).for_each(|(s, v)| *s += v);
        }
        boot.iter_mut()
            .zip(sums)
            .for_each(|(b, s)| b.push(s / n as f64));
    }
    (0..m)
        .map(|j| {
            let mean = abs_phi.iter().map(|r| r[j]).sum::<f64>() / n as f64;
            let boot_se = sd(&boot[j]);
            let est_se = se.map_or(0.0, |se| {
                se.iter().map(|r| r[j] * r[j]).sum::<f64>().sqrt() / n as f64
            });
            let half = Z95 * (boot_se * boot_se + est_se * est_se).sqrt();
            Importance {
                feature: j,
                mean,
                boot_se,
                est_se,
                lo: (mean - half).max(0.0),
                hi: mean + half,
            }
        })
        .collect()
}

/// Sample standard deviation (0 for fewer than two values).
fn sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_rows_have_no_bootstrap_spread_and_se_propagates() {
        let abs = vec![vec![2.0, 0.5]; 50];
        let se = vec![vec![0.1, 0.0]; 50];
        let imp = importance(&abs, Some(&se), 1);
        assert!(imp[0].boot_se.abs() < 1e-12 && (imp[0].mean - 2.0).abs() < 1e-12);
        // sqrt(50 · 0.01) / 50
        assert!((imp[0].est_se - (0.5f64).sqrt() / 50.0).abs() < 1e-12);
        assert!((imp[0].hi - (2.0 + Z95 * imp[0].est_se)).abs() < 1e-12);
        assert_eq!((imp[1].lo, imp[1].hi), (0.5, 0.5));
    }

    #[test]
    fn bootstrap_se_matches_the_standard_error_of_a_mean() {
        // Values 0..400 spread evenly: sd/√n is known; 200 resamples get within 15%.
        let n = 400;
        let abs: Vec<Vec<f64>> = (0..n).map(|i| vec![i as f64]).collect();
        let mean = (n - 1) as f64 / 2.0;
        let var = (0..n).map(|i| (i as f64 - mean).powi(2)).sum::<f64>() / n as f64;
        let expected = (var / n as f64).sqrt();
        let imp = importance(&abs, None, 7);
        let ratio = imp[0].boot_se / expected;
        assert!((0.85..1.15).contains(&ratio), "ratio {ratio}");
        assert_eq!(imp[0].est_se, 0.0);
        assert!(imp[0].lo < mean && mean < imp[0].hi);
    }
}
