//! The [`Explainer`] trait both estimator families implement, and the SHAP builder.

use crate::error::{Error, Result};
use crate::explain::builder::{core_setters, BuilderCore};
use crate::explain::explanation::{Explained, Explanation, RowAttribution};
use crate::explain::game::masker::Evaluator;
use crate::explain::game::row_game::RowGame;
use crate::explain::game::row_games::{Filling, Games, RowBackground, RowBackgroundAt, RowFill};
use crate::explain::interactions::Interactions;
use crate::explain::method::Method;
use crate::explain::params::{Sampling, ShapMethod, ShapParams};
use crate::explain::players::feature_groups::FeatureGroups;
use crate::explain::players::player_tree::Hierarchy;
use crate::explain::players::row_players;
use crate::explain::progress::Progress;
use crate::explain::sampling;
use crate::explain::shap::interactions::convention::RowInteractions;
use crate::explain::shap::rounds::Rounds;
use crate::explain::shap::{exact, interactions, kernel, partition, permutation};
use crate::model::Model;
use crate::player_kind::PlayerKind;
use ndarray::ArrayView2;
use rayon::prelude::*;

/// Attributions for rows of a model's input, by any estimator.
pub trait Explainer {
    /// The estimator that runs for this model.
    fn method(&self) -> Method;

    /// Explains rows whose indices in their data file are `indices` (each row's random stream
    /// is seeded by its index, so a row gets the same result in any batch).
    fn explain_indexed(&self, rows: ArrayView2<f32>, indices: &[usize]) -> Result<Explanation>;

    /// Explains rows numbered 0, 1, 2...
    fn explain(&self, rows: ArrayView2<f32>) -> Result<Explanation> {
        let indices: Vec<usize> = (0..rows.nrows()).collect();
        self.explain_indexed(rows, &indices)
    }
}

/// Feature names given, or `Feature 0`, `Feature 1`... as shap names them.
pub(crate) fn names_or_default(names: &Option<Vec<String>>, m: usize) -> Result<Vec<String>> {
    match names {
        Some(n) if n.len() != m => Err(Error::Mismatch(format!(
            "{} feature names for {m} features",
            n.len()
        ))),
        Some(n) => Ok(n.clone()),
        None => Ok((0..m).map(|j| format!("Feature {j}")).collect()),
    }
}

/// Checks that rows, their indices and the model agree in shape.
pub(crate) fn check_rows(
    model: &dyn Model,
    rows: ArrayView2<f32>,
    indices: &[usize],
) -> Result<()> {
    if rows.ncols() != model.n_features() {
        return Err(Error::Mismatch(format!(
            "the model takes {} features; the rows have {}",
            model.n_features(),
            rows.ncols()
        )));
    }
    if indices.len() != rows.nrows() {
        return Err(Error::Mismatch(format!(
            "{} row indices for {} rows",
            indices.len(),
            rows.nrows()
        )));
    }
    Ok(())
}

/// Runs `row` over every row in parallel, reporting progress and stopping on cancel.
pub(crate) fn par_rows<S: Send, T: Send>(
    n: usize,
    progress: Option<&Progress>,
    init: impl Fn() -> S + Sync + Send,
    row: impl Fn(&mut S, usize) -> Result<T> + Sync + Send,
) -> Result<Vec<T>> {
    if let Some(p) = progress {
        (p.total)(n);
    }
    (0..n)
        .into_par_iter()
        .map_init(init, |state, i| {
            if Progress::cancelled(progress) {
                return Err(Error::Interrupted);
            }
            let r = row(state, i)?;
            if let Some(p) = progress {
                (p.row_done)();
            }
            Ok(r)
        })
        .collect()
}

/// Interventional Shapley values of a model against a background, built step by step:
///
/// ```
/// use ndarray::array;
/// use onnx_inspector::explain::{Explainer, ShapExplainer, ShapMethod};
/// use onnx_inspector::model::FnModel;
///
/// // f(x) = 2 x0 + x1: the Shapley value of x_j is its coefficient times (x_j − mean background_j).
/// let model = FnModel::new(2, 1, |x| vec![2.0 * x[0] + x[1]]);
/// let background = array![[0.0f32, 0.0], [2.0, 2.0]];
/// let e = ShapExplainer::new(&model, background.view())
///     .method(ShapMethod::Exact)
///     .explain(array![[3.0f32, 5.0]].view())?;
/// assert!((e.values[[0, 0, 0]] - 4.0).abs() < 1e-9);
/// assert!((e.values[[0, 1, 0]] - 4.0).abs() < 1e-9);
/// # Ok::<(), onnx_inspector::Error>(())
/// ```
pub struct ShapExplainer<'a> {
    core: BuilderCore<'a>,
    background: ArrayView2<'a, f32>,
    params: ShapParams,
    hierarchy: Option<Hierarchy>,
    row_hierarchies: Option<Vec<Hierarchy>>,
}

impl<'a> ShapExplainer<'a> {
    /// An explainer with the default settings (`auto`, [`ShapParams::budget`]'s default, seed 0).
    pub fn new(model: &'a dyn Model, background: ArrayView2<'a, f32>) -> Self {
        ShapExplainer {
            core: BuilderCore::new(model),
            background,
            params: ShapParams::default(),
            hierarchy: None,
            row_hierarchies: None,
        }
    }

    core_setters!();

    /// Number of players: each row's own groups, the groups, or the features.
    fn n_players(&self) -> usize {
        self.core.n_players()
    }

    /// Replaces all settings.
    pub fn params(mut self, params: ShapParams) -> Self {
        self.params = params;
        self
    }

    /// The estimator.
    pub fn method(mut self, method: ShapMethod) -> Self {
        self.params.method = method;
        self
    }

    /// Coalitions per row.
    pub fn samples(mut self, samples: usize) -> Self {
        self.params.samples = Some(samples);
        self
    }

    /// Seed of every random choice.
    pub fn seed(mut self, seed: u64) -> Self {
        self.params.seed = seed;
        self
    }

    /// Early stopping tolerance (Covert & Lee).
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.params.tolerance = Some(tolerance);
        self
    }

    /// Kernel SHAP's coalition size sampling.
    pub fn sampling(mut self, sampling: Sampling) -> Self {
        self.params.sampling = sampling;
        self
    }

    /// Model rows per call.
    pub fn block_rows(mut self, rows: usize) -> Self {
        self.params.block_rows = rows;
        self
    }

    /// The tree of players partition SHAP recurses over (default: [`Hierarchy::grid`] for image
    /// rows of rank 3 without groups, else [`Hierarchy::halving`]).
    pub fn hierarchy(mut self, hierarchy: Hierarchy) -> Self {
        self.hierarchy = Some(hierarchy);
        self
    }

    /// One partition tree per explained row, over that row's own players (see
    /// [`ShapExplainer::row_groups`]), e.g. each image's superpixel bisection tree.
    pub fn row_hierarchies(mut self, trees: Vec<Hierarchy>) -> Self {
        self.row_hierarchies = Some(trees);
        self
    }

    /// The partition tree over all players: the caller's, else shap's image tree for image rows
    /// (H×W×C) of single features, else recursive halving.
    fn tree(&self) -> Hierarchy {
        let m = self.core.model.n_features();
        match (&self.hierarchy, &self.core.model.row_shape()[..]) {
            (Some(h), _) => h.clone(),
            (None, &[h, w, c])
                if self.core.groups.is_none()
                    && self.core.row_groups.is_none()
                    && h * w * c == m =>
            {
                Hierarchy::grid([h, w, c])
            }
            (None, _) => Hierarchy::halving(self.n_players()),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &ShapParams {
        &self.params
    }

    /// Whether coalitions are evaluated through the model or incrementally from its first layer.
    pub fn evaluator(&self) -> Evaluator {
        self.params.evaluator(self.core.model)
    }

    /// Pairwise Shapley interaction values too ([`Explanation::interactions`], shap's convention):
    /// exact when φ is, else sampled with the same budget again, with standard errors.
    pub fn interactions(mut self, on: bool) -> Self {
        self.params.interactions = on;
        self
    }

    /// Incremental first-layer evaluation on or off (on by default when the model allows it).
    pub fn incremental(mut self, on: bool) -> Self {
        self.params.incremental = on;
        self
    }

    fn check(&self) -> Result<()> {
        let m = self.core.model.n_features();
        if self.background.ncols() != m {
            return Err(Error::Mismatch(format!(
                "the model takes {m} features; the background has {}",
                self.background.ncols()
            )));
        }
        if self.background.nrows() == 0 {
            return Err(Error::Mismatch("the background has no rows".into()));
        }
        if let Some(g) = &self.core.groups {
            if g.n_features() != m {
                return Err(Error::Mismatch(format!(
                    "the groups cover {} features; the model takes {m}",
                    g.n_features()
                )));
            }
        }
        if let Some(sets) = &self.core.row_groups {
            row_players::check(sets, m, self.core.groups.is_some())?;
        }
        let trees = self
            .hierarchy
            .iter()
            .chain(self.row_hierarchies.iter().flatten());
        for h in trees {
            if h.n_players() != self.n_players() {
                return Err(Error::param(
                    "hierarchy",
                    format!(
                        "its tree has {} players; there are {}",
                        h.n_players(),
                        self.n_players()
                    ),
                ));
            }
        }
        let kind = match self.core.groups.is_some() || self.core.row_groups.is_some() {
            true => PlayerKind::Groups,
            false => PlayerKind::Features,
        };
        self.params.check_players(self.n_players(), kind)
    }
}

impl Explainer for ShapExplainer<'_> {
    fn method(&self) -> Method {
        self.params.resolved(self.n_players())
    }

    fn explain_indexed(&self, x: ArrayView2<f32>, indices: &[usize]) -> Result<Explanation> {
        self.check()?;
        check_rows(self.core.model, x, indices)?;
        let m = self.core.model.n_features();
        let names = names_or_default(&self.core.names, m)?;
        let groups = row_players::resolve(
            self.core.groups.as_ref(),
            self.core.row_groups.as_deref(),
            &names,
            x.nrows(),
        )?;
        let sets = self
            .core
            .row_groups
            .as_deref()
            .unwrap_or(std::slice::from_ref(&groups));
        let games = Games::new(
            self.core.model,
            Filling {
                background: self.background,
                row_background: self.core.row_background,
                block_rows: self.params.block_rows,
                incremental: self.params.incremental,
            },
            sets,
            x,
        )?;
        let method = self.method();
        let run = RowRun {
            method,
            budget: self.params.budget(groups.len()),
            sampling: self.params.sampling,
            rounds: self.params.rounds(),
            trees: match (method, &self.row_hierarchies) {
                (Method::Partition, Some(trees)) => {
                    row_players::check_rows(trees.len(), x.nrows())?;
                    trees.clone()
                }
                (Method::Partition, None) => vec![self.tree()],
                _ => vec![],
            },
            interactions: self.params.interactions,
        };
        let rows = par_rows(
            x.nrows(),
            self.core.progress,
            || (),
            |_, i| {
                let rng = sampling::row_rng(self.params.seed, indices[i]);
                games.with_game(i, |game| run.explain(game, i, rng))
            },
        )?;
        let (rows, interactions): (Vec<RowAttribution>, Vec<Option<RowInteractions>>) =
            rows.into_iter().unzip();
        let interactions: Option<Vec<RowInteractions>> = interactions.into_iter().collect();
        let mut explanation = Explanation::from_rows(
            method,
            &groups,
            self.core.model.output_names().to_vec(),
            Explained {
                row_indices: indices.to_vec(),
                data: x.to_owned(),
                base_values: games.base_values,
                predictions: games.fx,
            },
            rows,
        )
        .with_row_groups(self.core.row_groups.clone());
        explanation.interactions = interactions.and_then(|r| Interactions::from_rows(&r));
        Ok(explanation)
    }
}

/// One SHAP estimator with its settings, run on one row's game at a time.
struct RowRun {
    method: Method,
    budget: usize,
    sampling: Sampling,
    rounds: Rounds,
    /// The partition tree over all players (one shared, or one per row), for partition SHAP.
    trees: Vec<Hierarchy>,
    /// Interaction values too.
    interactions: bool,
}

impl RowRun {
    /// The attributions of row `row`'s game and, when asked, its interaction values, spread over
    /// all players.
    fn explain(
        &self,
        game: &RowGame,
        row: usize,
        mut rng: rand_chacha::ChaCha8Rng,
    ) -> Result<(RowAttribution, Option<RowInteractions>)> {
        if !self.interactions {
            return Ok((self.attributions(game, row, &mut rng)?, None));
        }
        let (r, inter) = match self.method {
            Method::Exact => interactions::exact::explain_row(game)?,
            _ if game.n_players() <= 2 => interactions::exact::explain_row(game)?,
            _ => {
                if interactions::paths::preferred(game.n_players(), self.budget) {
                    let (r, sampled) = interactions::paths::explain_row(
                        game,
                        self.budget,
                        &self.rounds,
                        &mut rng,
                    )?;
                    let inter = sampled.to_shap(&r);
                    (r, inter)
                } else {
                    let mut r = self.shapley(game, row, &mut rng)?;
                    let sampled = interactions::sampled::explain_row(
                        game,
                        self.budget,
                        &self.rounds,
                        &mut rng,
                    )?;
                    r.evaluations += sampled.evaluations;
                    let inter = sampled.to_shap(&r);
                    (r, inter)
                }
            }
        };
        let total = game.n_all_players();
        Ok((game.expand(r), Some(inter.expand(game.players(), total))))
    }

    /// φ of row `row`'s game, spread over all players.
    fn attributions(
        &self,
        game: &RowGame,
        row: usize,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> Result<RowAttribution> {
        Ok(game.expand(self.shapley(game, row, rng)?))
    }

    /// φ of row `row`'s game over its players.
    fn shapley(
        &self,
        game: &RowGame,
        row: usize,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> Result<RowAttribution> {
        let r = match self.method {
            Method::Kernel => {
                kernel::explain_row(game, self.budget, self.sampling, &self.rounds, rng)
            }
            Method::Permutation => permutation::explain_row(game, self.budget, &self.rounds, rng),
            Method::Partition => {
                let tree = match &self.trees[..] {
                    [shared] => shared,
                    per_row => &per_row[row],
                };
                partition::explain_row(game, &tree.restricted(game.players()), self.budget)
            }
            Method::Exact | Method::Lime => exact::explain_row(game),
        }?;
        Ok(r)
    }
}
