//! Estimator settings with their defaults in one place, checked once before any row is explained.

use crate::error::{Error, Result};
use crate::explain::game::masker::{Evaluator, DEFAULT_BLOCK_ROWS};
use crate::explain::method::Method;
use crate::explain::shap::rounds::Rounds;
use crate::explain::shap::stratified::whole_groups;
use crate::model::Model;
use crate::player_kind::PlayerKind;
use serde::{Deserialize, Serialize};

/// Most players exact Shapley values enumerate (2^20 coalitions).
pub const MAX_EXACT_FEATURES: usize = 20;

/// Default stopping target when no budget or tolerance is given: stop a row once the root mean
/// square of its standard errors is at most this fraction of its attributions' L2 norm
/// (`benches/results/default_budget.md`: 0.36–0.42× shap's default error in 0.55–1.07× its time).
pub const DEFAULT_SE_TARGET: f64 = 0.012;

/// shap's `max_evals` default for the Partition explainer.
pub const DEFAULT_PARTITION_EVALS: usize = 500;

/// Which Shapley estimator to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapMethod {
    /// Exact when all 2^M − 2 coalitions fit the budget (and M ≤ 20), else permutation (measured
    /// more accurate than kernel at equal budget and at equal time: `benches/results/estimator_sweep.md`),
    /// or kernel when the budget buys fewer than two antithetic pairs.
    #[default]
    Auto,
    /// Full enumeration.
    Exact,
    /// KernelSHAP regression.
    Kernel,
    /// Antithetic permutation sampling.
    Permutation,
    /// Owen values over a binary hierarchy of players, refined coarse to fine within the budget.
    Partition,
}

/// How kernel SHAP draws the sizes of sampled coalitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampling {
    /// Proportional to the Shapley kernel mass of each size (shap's choice).
    Kernel,
    /// Leverage SHAP (Musco & Witter): equal coalitions per size, distinct pairs, stratified by size.
    #[default]
    Leverage,
}

impl Sampling {
    /// The lowercase name written in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Sampling::Kernel => "kernel",
            Sampling::Leverage => "leverage",
        }
    }
}

/// Settings of the Shapley estimators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShapParams {
    /// Estimator.
    pub method: ShapMethod,
    /// Coalitions per row; `None` = [`ShapParams::default_budget`] (see [`ShapParams::budget`]).
    pub samples: Option<usize>,
    /// Seed of every random choice.
    pub seed: u64,
    /// Covert–Lee early stopping: stop once max se < tolerance × (max φ − min φ).
    pub tolerance: Option<f64>,
    /// Stop a row once RMS(se) ≤ se_target × ‖φ‖₂ (kernel and permutation); `None` =
    /// [`DEFAULT_SE_TARGET`] when neither `samples` nor `tolerance` is given, else off; 0 = off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_target: Option<f64>,
    /// Kernel SHAP's size sampling.
    pub sampling: Sampling,
    /// Model rows built and sent per call (bounds memory).
    pub block_rows: usize,
    /// Evaluate coalitions by updating the model's first linear layer incrementally when the
    /// model exposes one (same attributions to rounding; off to compare or measure).
    #[serde(default = "yes")]
    pub incremental: bool,
    /// Also compute pairwise Shapley interaction values in shap's convention (exact with exact
    /// φ, else sampled with the same budget again); not with partition.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interactions: bool,
}

fn yes() -> bool {
    true
}

impl Default for ShapParams {
    fn default() -> Self {
        ShapParams {
            method: ShapMethod::Auto,
            samples: None,
            seed: 0,
            tolerance: None,
            se_target: None,
            sampling: Sampling::Leverage,
            block_rows: DEFAULT_BLOCK_ROWS,
            incremental: true,
            interactions: false,
        }
    }
}

impl ShapParams {
    /// shap KernelExplainer's default budget for M features: 2M + 2048 coalitions.
    pub fn default_budget(m: usize) -> usize {
        2 * m + 2048
    }

    /// The budget in coalitions per row for M features: `samples`, else shap's `max_evals` (500)
    /// for partition, else [`ShapParams::default_budget`], which permutation SHAP rounds up to
    /// whole position-stratified groups once it buys two.
    pub fn budget(&self, m: usize) -> usize {
        match self.samples {
            Some(s) => s,
            None if self.method == ShapMethod::Partition => DEFAULT_PARTITION_EVALS,
            None if self.resolved(m) == Method::Permutation => {
                whole_groups(m, Self::default_budget(m))
            }
            None => Self::default_budget(m),
        }
    }

    /// The estimator `auto` resolves to for M features (decided on the unrounded budget).
    pub fn resolved(&self, m: usize) -> Method {
        match self.method {
            ShapMethod::Auto => {
                let budget = self.samples.unwrap_or_else(|| Self::default_budget(m));
                if m <= MAX_EXACT_FEATURES && all_coalitions(m) <= budget as f64 {
                    Method::Exact
                } else if budget >= permutation_minimum(m) {
                    Method::Permutation
                } else {
                    // Too few coalitions for two antithetic pairs: the regression still works.
                    Method::Kernel
                }
            }
            ShapMethod::Exact => Method::Exact,
            ShapMethod::Kernel => Method::Kernel,
            ShapMethod::Permutation => Method::Permutation,
            ShapMethod::Partition => Method::Partition,
        }
    }

    /// Whether coalitions of `model` are evaluated whole or incrementally from its first layer.
    pub fn evaluator(&self, model: &dyn Model) -> Evaluator {
        match model.first_linear() {
            Some(l) if self.incremental && l.n_inputs() == model.n_features() => {
                Evaluator::IncrementalDense
            }
            _ => Evaluator::Model,
        }
    }

    /// The standard-error target in force: the one given (0 = none), else the default when the
    /// budget and tolerance are left to us and no interactions are asked for.
    pub fn effective_se_target(&self) -> Option<f64> {
        match self.se_target {
            Some(t) => Some(t).filter(|&t| t > 0.0),
            None if self.samples.is_none() && self.tolerance.is_none() && !self.interactions => {
                Some(DEFAULT_SE_TARGET)
            }
            None => None,
        }
    }

    /// The early-stopping rules of a row's sampling rounds.
    pub(crate) fn rounds(&self) -> Rounds {
        Rounds {
            tolerance: self.tolerance,
            se_target: self.effective_se_target(),
        }
    }

    /// Whether `tolerance` is applied on M players: `None` when none is given, else whether the
    /// estimator that runs uses it (`auto` may pick exact, which ignores it).
    pub fn tolerance_used(&self, m: usize) -> Option<bool> {
        self.tolerance.map(|_| self.resolved(m).uses_tolerance())
    }

    /// Checks the settings against M features; every row then runs within budget.
    pub fn check(&self, m: usize) -> Result<()> {
        self.check_players(m, PlayerKind::Features)
    }

    /// Checks the settings against M players of a kind (named in errors); every row then runs
    /// within budget. A tolerance with exact or partition asked for by name is an error.
    pub fn check_players(&self, m: usize, kind: PlayerKind) -> Result<()> {
        if let Some(t) = self.tolerance {
            if !(t > 0.0 && t.is_finite()) {
                return Err(Error::param("tolerance", "must be a positive number"));
            }
            if matches!(self.method, ShapMethod::Exact | ShapMethod::Partition) {
                return Err(self.resolved(m).tolerance_error());
            }
        }
        if let Some(t) = self.se_target {
            if !(t >= 0.0 && t.is_finite()) {
                return Err(Error::param("se_target", "must be a number >= 0 (0 = off)"));
            }
        }
        if self.block_rows == 0 {
            return Err(Error::param("block_rows", "must be at least 1"));
        }
        if self.interactions && self.resolved(m) == Method::Partition {
            return Err(Error::param(
                "interactions",
                "need Shapley values (exact, kernel or permutation); partition gives Owen values",
            ));
        }
        let budget = self.budget(m);
        match self.resolved(m) {
            Method::Exact if m > MAX_EXACT_FEATURES => Err(Error::param(
                "method",
                format!(
                    "exact Shapley values of {} need 2^{m} coalitions; at most \
                     {MAX_EXACT_FEATURES} players are supported: use kernel or permutation",
                    kind.count(m)
                ),
            )),
            Method::Kernel if m > 1 && (budget as f64) < all_coalitions(m) && budget < m + 1 => {
                Err(Error::Budget {
                    estimator: match self.method {
                        ShapMethod::Auto => "method auto (which picks kernel SHAP at this budget)",
                        _ => "kernel SHAP",
                    },
                    samples: budget,
                    features: m,
                    minimum: m + 1,
                    players: kind,
                })
            }
            Method::Permutation if m > 1 && budget < permutation_minimum(m) => Err(Error::Budget {
                estimator: "permutation SHAP (two antithetic pairs)",
                samples: budget,
                features: m,
                minimum: permutation_minimum(m),
                players: kind,
            }),
            Method::Partition if m > 1 && budget < PARTITION_MINIMUM => Err(Error::Budget {
                estimator: "partition SHAP (v(∅), v(all) and one split)",
                samples: budget,
                features: m,
                minimum: PARTITION_MINIMUM,
                players: kind,
            }),
            _ => Ok(()),
        }
    }
}

/// Evaluations for partition SHAP to split the root once (shap's `max_evals` counting).
const PARTITION_MINIMUM: usize = 4;

/// 2^M − 2 coalitions (∅ and the full set excluded), infinite beyond f64's exact range.
pub(crate) fn all_coalitions(m: usize) -> f64 {
    if m < 60 {
        (1u64 << m) as f64 - 2.0
    } else {
        f64::INFINITY
    }
}

/// Coalitions for two antithetic permutation pairs of M players.
pub(crate) fn permutation_minimum(m: usize) -> usize {
    4 * m.saturating_sub(1)
}

/// How LIME perturbs continuous features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Discretizer {
    /// Quartile bins (lime's default).
    #[default]
    Quartile,
    /// Decile bins.
    Decile,
    /// No bins: gaussian samples scaled by the training std.
    None,
}

impl Discretizer {
    /// The lowercase name written in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Discretizer::Quartile => "quartile",
            Discretizer::Decile => "decile",
            Discretizer::None => "none",
        }
    }
}

/// How features enter LIME's surrogate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// Forward selection when num_features ≤ 6, else highest weights.
    #[default]
    Auto,
    /// Greedy forward selection by weighted R².
    Forward,
    /// Largest |coef × x| of a ridge (alpha 0.01) on all features.
    HighestWeights,
    /// The least penalised point of the lasso path with at most num_features weights.
    LassoPath,
    /// Every feature.
    None,
}

/// LIME settings; the defaults are `lime_tabular`'s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimeParams {
    /// Perturbed samples per row, the instance included.
    pub num_samples: usize,
    /// Features kept in each surrogate.
    pub num_features: usize,
    /// Perturbation scheme.
    pub discretizer: Discretizer,
    /// Kernel width; `None` = [`LimeParams::kernel_width`]'s 0.75·√M.
    pub kernel_width: Option<f64>,
    /// Feature selection.
    #[serde(rename = "feature_selection")]
    pub selection: Selection,
    /// Gaussian samples around the instance instead of the training mean (no-discretize mode).
    pub sample_around_instance: bool,
    /// Indices of categorical features: sampled from their training frequencies and explained as
    /// "same category as the instance or not" (lime's `categorical_features`).
    #[serde(default)]
    pub categorical: Vec<usize>,
    /// Seed.
    pub seed: u64,
}

impl LimeParams {
    /// lime's default number of samples.
    pub const DEFAULT_SAMPLES: usize = 5000;
    /// lime_image's default number of samples, used when players are switched on and off.
    pub const DEFAULT_PLAYER_SAMPLES: usize = 1000;
    /// lime's default number of features per surrogate.
    pub const DEFAULT_FEATURES: usize = 10;

    /// The defaults for tabular features (lime_tabular's), or for players switched on and off as
    /// wholes (groups, patches, superpixels: lime_image's 1000 samples and every player kept).
    pub fn defaults_for(switched_players: bool) -> LimeParams {
        match switched_players {
            true => LimeParams {
                num_samples: Self::DEFAULT_PLAYER_SAMPLES,
                num_features: usize::MAX,
                ..LimeParams::default()
            },
            false => LimeParams::default(),
        }
    }

    /// The kernel width for M features: the given one, else lime's 0.75·√M.
    pub fn kernel_width(&self, m: usize) -> f64 {
        self.kernel_width.unwrap_or(0.75 * (m as f64).sqrt())
    }

    /// Checks the settings against M features; every row then runs.
    pub fn check(&self, m: usize) -> Result<()> {
        if let Some(&j) = self.categorical.iter().find(|&&j| j >= m) {
            return Err(Error::param(
                "categorical",
                format!("feature {j} does not exist: there are {m} features"),
            ));
        }
        if self.num_samples < 2 {
            return Err(Error::param("samples", "LIME needs at least 2 samples"));
        }
        if self.num_features == 0 {
            return Err(Error::param("num_features", "must be at least 1"));
        }
        if let Some(w) = self.kernel_width {
            if !(w > 0.0 && w.is_finite()) {
                return Err(Error::param("kernel_width", "must be a positive number"));
            }
        }
        Ok(())
    }
}

impl Default for LimeParams {
    fn default() -> Self {
        LimeParams {
            num_samples: Self::DEFAULT_SAMPLES,
            num_features: Self::DEFAULT_FEATURES,
            discretizer: Discretizer::Quartile,
            kernel_width: None,
            selection: Selection::Auto,
            sample_around_instance: false,
            categorical: vec![],
            seed: 0,
        }
    }
}

/// Either estimator family with its settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Estimator {
    /// A Shapley estimator.
    Shap(ShapParams),
    /// LIME.
    Lime(LimeParams),
}

impl Estimator {
    /// The method that will run on M features.
    pub fn method(&self, m: usize) -> Method {
        match self {
            Estimator::Shap(p) => p.resolved(m),
            Estimator::Lime(_) => Method::Lime,
        }
    }

    /// The seed of every random choice.
    pub fn seed(&self) -> u64 {
        match self {
            Estimator::Shap(p) => p.seed,
            Estimator::Lime(p) => p.seed,
        }
    }

    /// Checks the settings against M features.
    pub fn check(&self, m: usize) -> Result<()> {
        self.check_players(m, PlayerKind::Features)
    }

    /// Checks the settings against M players of a kind (named in errors).
    pub fn check_players(&self, m: usize, kind: PlayerKind) -> Result<()> {
        match self {
            Estimator::Shap(p) => p.check_players(m, kind),
            Estimator::Lime(p) => p.check(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_is_exact_when_it_fits_then_permutation_then_kernel() {
        let auto = ShapParams::default();
        assert_eq!(auto.resolved(10), Method::Exact);
        assert_eq!(auto.resolved(100), Method::Permutation);
        let small = ShapParams {
            samples: Some(300),
            ..ShapParams::default()
        };
        assert_eq!(small.resolved(100), Method::Kernel);
        assert!(small.check(100).is_ok());
    }

    #[test]
    fn the_default_permutation_budget_completes_stratified_groups_once_it_buys_two() {
        let auto = ShapParams::default();
        // M = 30: a group is 15 antithetic pairs of 58 coalitions; 2108 buys 2.4 groups -> 3.
        assert_eq!(auto.budget(30), 3 * 15 * 58);
        // M = 100: 2248 buys less than two groups of 50 pairs: unchanged.
        assert_eq!(auto.budget(100), 2248);
        let kernel = ShapParams {
            method: ShapMethod::Kernel,
            ..ShapParams::default()
        };
        assert_eq!(kernel.budget(30), 2108);
        let given = ShapParams {
            samples: Some(2108),
            ..ShapParams::default()
        };
        assert_eq!(given.budget(30), 2108);
        assert_eq!(auto.resolved(11), Method::Exact);
    }

    #[test]
    fn budget_errors_name_what_the_players_are() {
        let kernel = ShapParams {
            method: ShapMethod::Kernel,
            samples: Some(5),
            ..ShapParams::default()
        };
        let err = kernel.check_players(64, PlayerKind::Patches).unwrap_err();
        assert!(matches!(err, Error::Budget { minimum: 65, .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "samples = 5 is too small for kernel SHAP on 64 players (patches): give at least 65"
        );
        let auto = ShapParams {
            samples: Some(0),
            ..ShapParams::default()
        };
        let err = auto.check(10).unwrap_err().to_string();
        assert!(
            err.contains("samples = 0 is too small for method auto"),
            "{err}"
        );
        let err = kernel.check(30).unwrap_err().to_string();
        assert!(err.contains("on 30 features:"), "{err}");
        let exact = ShapParams {
            method: ShapMethod::Exact,
            ..ShapParams::default()
        };
        let err = exact
            .check_players(50, PlayerKind::Superpixels)
            .unwrap_err();
        assert!(
            err.to_string().contains("of 50 players (superpixels)"),
            "{err}"
        );
    }

    #[test]
    fn a_tolerance_with_exact_or_partition_by_name_is_refused_and_unused_under_auto() {
        let with = |method| ShapParams {
            method,
            tolerance: Some(0.01),
            ..ShapParams::default()
        };
        for method in [ShapMethod::Exact, ShapMethod::Partition] {
            let err = with(method).check(10).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Param {
                        name: "tolerance",
                        ..
                    }
                ),
                "{err}"
            );
            let msg = err.to_string();
            assert!(msg.contains("kernel and permutation"), "{msg}");
        }
        for method in [ShapMethod::Kernel, ShapMethod::Permutation] {
            assert!(with(method).check(10).is_ok());
            assert_eq!(with(method).tolerance_used(10), Some(true));
        }
        let auto = with(ShapMethod::Auto);
        assert!(auto.check(10).is_ok());
        assert_eq!(auto.resolved(10), Method::Exact);
        assert_eq!(auto.tolerance_used(10), Some(false));
        assert_eq!(auto.tolerance_used(100), Some(true));
        assert_eq!(ShapParams::default().tolerance_used(10), None);
        assert!(!Method::Lime.uses_tolerance());
    }
}
