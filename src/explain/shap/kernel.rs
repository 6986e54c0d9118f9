//! KernelSHAP: weighted least squares over paired coalitions, efficiency enforced exactly,
//! with sandwich (delta-method) standard errors over the sampled pairs.

use crate::error::{Error, Result};
use crate::explain::binary_design::BinaryDesign;
use crate::explain::explanation::RowAttribution;
use crate::explain::game::coalition::Coalition;
use crate::explain::game::row_game::RowGame;
use crate::explain::linalg::Lu;
use crate::explain::params::{all_coalitions, Sampling};
use crate::explain::sampling::{binomial, for_each_combination, random_subset};
use crate::explain::shap::coalition_design::{
    size_classes, size_mass, CoalitionDesign, Draw, SizeClass,
};
use crate::explain::shap::rounds::Rounds;
use crate::explain::shap::size_strata::StrataSampler;
use ndarray::Array2;
use rand::Rng;
use std::collections::HashMap;

/// Enumerates the smallest and largest sizes completely while the budget covers them (as shap);
/// returns the index of the first size class left to sampling.
fn enumerate_extremes(design: &mut CoalitionDesign, classes: &[SizeClass], budget: usize) -> usize {
    let m = design.m;
    let all = all_coalitions(m);
    let mut left = budget as f64;
    let mut mass_left: f64 = classes.iter().map(|c| c.mass).sum();
    for (ci, c) in classes.iter().enumerate() {
        let complete = (budget as f64) >= all || left * c.mass / mass_left >= c.count - 1e-8;
        if !complete {
            return ci;
        }
        let w = size_mass(m, c.size) / binomial(m, c.size);
        for_each_combination(m, c.size, |idx| {
            let s = Coalition::from_features(m, idx.iter().copied());
            if c.paired {
                design.add(s.complement(m), w);
            }
            design.add(s, w);
        });
        left -= c.count;
        mass_left -= c.mass;
    }
    classes.len()
}

/// Draws complement pairs from the size classes left to sampling.
struct PairSampler<'c> {
    classes: &'c [SizeClass],
    /// Probability (unnormalised) of each class.
    q: Vec<f64>,
    q_total: f64,
    scratch: Vec<usize>,
}

impl<'c> PairSampler<'c> {
    fn new(classes: &'c [SizeClass], sampling: Sampling, m: usize) -> Self {
        let q: Vec<f64> = match sampling {
            Sampling::Kernel => classes.iter().map(|c| c.mass).collect(),
            Sampling::Leverage => classes
                .iter()
                .map(|c| if c.paired { 2.0 } else { 1.0 })
                .collect(),
        };
        PairSampler {
            classes,
            q_total: q.iter().sum(),
            q,
            scratch: (0..m).collect(),
        }
    }

    /// Draws pairs until the design holds `goal` coalitions or `max_draws` pairs were drawn.
    fn draw_until(
        &mut self,
        design: &mut CoalitionDesign,
        draws: &mut Vec<Draw>,
        goal: usize,
        max_draws: usize,
        rng: &mut impl Rng,
    ) {
        let m = design.m;
        while !self.classes.is_empty() && design.len() < goal && draws.len() < max_draws {
            let mut u = rng.gen::<f64>() * self.q_total;
            let mut ci = 0;
            while ci + 1 < self.q.len() && u >= self.q[ci] {
                u -= self.q[ci];
                ci += 1;
            }
            let subset = random_subset(rng, &mut self.scratch, self.classes[ci].size);
            let s = Coalition::from_features(m, subset.iter().copied());
            let first = design.add(s.complement(m), 0.0);
            let second = design.add(s, 0.0);
            draws.push(Draw {
                first,
                second,
                class: ci,
            });
        }
    }

    /// Importance weight of each drawn pair: class mass over its sampling probability.
    fn unit_weights(&self, draws: &[Draw]) -> Vec<f64> {
        draws
            .iter()
            .map(|d| {
                self.classes[d.class].mass / (self.q[d.class] / self.q_total) / draws.len() as f64
            })
            .collect()
    }
}

/// Kernel SHAP for one row with a budget of distinct coalitions (∅ and the full set excluded):
/// enumerate the extreme sizes, sample pairs in rounds, solve, stop when done or converged.
pub(crate) fn explain_row(
    game: &RowGame,
    budget: usize,
    sampling: Sampling,
    rounds: &Rounds,
    rng: &mut impl Rng,
) -> Result<RowAttribution> {
    let m = game.n_players();
    let (fx, base) = (&game.fx[..], game.base);
    if m <= 1 {
        let values = Array2::from_shape_fn((m, fx.len()), |(_, o)| fx[o] - base[o]);
        return Ok(RowAttribution {
            stderr: Some(Array2::zeros(values.dim())),
            values,
            evaluations: 0,
            lime: None,
        });
    }
    let classes = size_classes(m);
    let mut design = CoalitionDesign::new(m);
    let mut draws: Vec<Draw> = vec![];
    let (mut sampler, enumerated) = match sampling {
        Sampling::Kernel => {
            let first = enumerate_extremes(&mut design, &classes, budget);
            let pairs = PairSampler::new(&classes[first..], sampling, m);
            (Sampler::Pairs(pairs), design.len())
        }
        Sampling::Leverage => (Sampler::Strata(StrataSampler::new(&classes, m)), 0),
    };
    let target = budget.max(enumerated);
    let max_draws = 50 * (target - enumerated) + 1000;
    let mut round_goal = enumerated;
    loop {
        round_goal = (round_goal + rounds.step(target - enumerated)).min(target);
        let (unit_weight, strata) = match &mut sampler {
            Sampler::Pairs(p) => {
                p.draw_until(&mut design, &mut draws, round_goal, max_draws, rng);
                (p.unit_weights(&draws), None)
            }
            Sampler::Strata(p) => {
                p.draw_until(&mut design, &mut draws, round_goal, rng);
                (p.unit_weights(&draws), Some(p.finite_population()))
            }
        };
        design.evaluate(game)?;
        let (phi, se) = solve(&design, &draws, &unit_weight, strata.as_deref(), fx, base)?;
        let nothing_left = match &sampler {
            Sampler::Pairs(p) => p.classes.is_empty() || draws.len() >= max_draws,
            Sampler::Strata(_) => round_goal >= target,
        };
        if design.len() >= target || nothing_left || rounds.converged(&phi, &se) {
            return Ok(RowAttribution {
                values: phi,
                stderr: Some(se),
                evaluations: design.len(),
                lime: None,
            });
        }
    }
}

/// How the coalitions beyond the enumerated ones are drawn.
enum Sampler<'c> {
    /// Complement pairs with replacement, sizes drawn at random (`--sampling kernel`).
    Pairs(PairSampler<'c>),
    /// Fixed pairs per size class without replacement (`--sampling leverage`).
    Strata(StrataSampler<'c>),
}

/// Solves the constrained weighted least squares and its sandwich standard errors.
fn solve(
    design: &CoalitionDesign,
    draws: &[Draw],
    unit_weight: &[f64],
    strata: Option<&[f64]>,
    fx: &[f64],
    base: &[f64],
) -> Result<(Array2<f64>, Array2<f64>)> {
    let m = design.m;
    let k = fx.len();
    let n = design.coalitions.len();
    let mut weight = design.fixed_weight.clone();
    for (d, &w) in draws.iter().zip(unit_weight) {
        weight[d.first] += w / 2.0;
        weight[d.second] += w / 2.0;
    }
    let members: Vec<Vec<usize>> = design
        .coalitions
        .iter()
        .map(|c| c.iter().collect())
        .collect();
    // KKT system [[A, 1], [1ᵀ, 0]] with A = Σ w z zᵀ and right-hand sides Σ w z (v − base),
    // from weighted popcounts over the coalitions grouped by weight.
    let rows: Vec<u64> = design
        .coalitions
        .iter()
        .flat_map(|c| c.words().iter().copied())
        .collect();
    let z = BinaryDesign::weighted(&rows, m, weight.clone());
    let gram = z.weighted_gram();
    let shifted =
        Array2::from_shape_fn((n, k), |(i, o)| weight[i] * (design.values[i][o] - base[o]));
    let zr = z.t_dot(shifted.view());
    let dim = m + 1;
    let mut kkt = vec![0.0f64; dim * dim];
    for a in 0..m {
        for b in 0..m {
            kkt[a * dim + b] = gram[[a, b]];
        }
    }
    let mut rhs: Vec<Vec<f64>> = (0..k)
        .map(|o| {
            let mut r = zr.column(o).to_vec();
            r.push(0.0);
            r
        })
        .collect();
    for j in 0..m {
        kkt[j * dim + m] = 1.0;
        kkt[m * dim + j] = 1.0;
    }
    for o in 0..k {
        rhs[o][m] = fx[o] - base[o];
    }
    let lu = Lu::factor(dim, kkt).ok_or_else(|| {
        Error::param(
            "samples",
            format!("kernel SHAP's regression is singular with {n} coalitions for {m} features: raise the budget"),
        )
    })?;
    let mut phi = Array2::<f64>::zeros((m, k));
    for o in 0..k {
        let sol = lu.solve(&rhs[o]);
        for j in 0..m {
            phi[[j, o]] = sol[j];
        }
    }
    let se = sandwich_stderr(
        design,
        draws,
        unit_weight,
        strata,
        &members,
        &lu,
        &phi,
        base,
    );
    Ok((phi, se))
}

/// Delta-method standard errors: Var φ̂ ≈ H (Σ_u g_u g_uᵀ, centred) H over sampled pairs u, HC1-scaled;
/// with `strata` (finite-population factor per class), centred within each class and scaled by it.
#[allow(clippy::too_many_arguments)]
fn sandwich_stderr(
    design: &CoalitionDesign,
    draws: &[Draw],
    unit_weight: &[f64],
    strata: Option<&[f64]>,
    members: &[Vec<usize>],
    lu: &Lu,
    phi: &Array2<f64>,
    base: &[f64],
) -> Array2<f64> {
    let m = design.m;
    let k = phi.ncols();
    let nd = draws.len();
    if nd < 2 {
        return Array2::zeros((m, k));
    }
    // H = top-left block of the KKT inverse (symmetric); column a = H e_a.
    let h: Vec<Vec<f64>> = (0..m)
        .map(|a| {
            let mut e = vec![0.0; m + 1];
            e[a] = 1.0;
            let mut col = lu.solve(&e);
            col.truncate(m);
            col
        })
        .collect();
    let mut q_cache: HashMap<usize, Vec<f64>> = HashMap::new();
    let mut hz = |i: usize| -> Vec<f64> {
        q_cache
            .entry(i)
            .or_insert_with(|| {
                let mut q = vec![0.0; m];
                for &a in &members[i] {
                    for (qj, hj) in q.iter_mut().zip(&h[a]) {
                        *qj += hj;
                    }
                }
                q
            })
            .clone()
    };
    let residual = |i: usize, o: usize| -> f64 {
        design.values[i][o] - base[o] - members[i].iter().map(|&a| phi[[a, o]]).sum::<f64>()
    };
    // One centred sum of squares per stratum (a single one without strata).
    let n_strata = strata.map_or(1, <[f64]>::len);
    let stratum = |d: &Draw| if strata.is_some() { d.class } else { 0 };
    let mut sum = vec![Array2::<f64>::zeros((m, k)); n_strata];
    let mut sum_sq = vec![Array2::<f64>::zeros((m, k)); n_strata];
    let mut units = vec![0usize; n_strata];
    for (d, &w) in draws.iter().zip(unit_weight) {
        let c = stratum(d);
        units[c] += 1;
        let q1 = hz(d.first);
        let q2 = hz(d.second);
        for o in 0..k {
            let r1 = residual(d.first, o) * w / 2.0;
            let r2 = residual(d.second, o) * w / 2.0;
            for j in 0..m {
                let g = r1 * q1[j] + r2 * q2[j];
                sum[c][[j, o]] += g;
                sum_sq[c][[j, o]] += g * g;
            }
        }
    }
    let mut var = Array2::<f64>::zeros((m, k));
    for c in 0..n_strata {
        let nc = units[c] as f64;
        let fpc = strata.map_or(1.0, |f| f[c]);
        if nc < 2.0 || fpc == 0.0 {
            continue;
        }
        ndarray::Zip::from(&mut var)
            .and(&sum[c])
            .and(&sum_sq[c])
            .for_each(|v, &s, &s2| *v += (s2 - s * s / nc).max(0.0) * nc / (nc - 1.0) * fpc);
    }
    let n = nd as f64;
    // HC1 small-sample correction: n / (n − p) for the M − 1 free coefficients (capped at 4).
    let p = (m - 1) as f64;
    let hc1 = if n > p + 1.0 {
        (n / (n - p)).min(4.0)
    } else {
        4.0
    };
    var.mapv(|v| (v * hc1).sqrt())
}
