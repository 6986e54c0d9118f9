//! LIME for tabular models with the semantics of `lime.lime_tabular.LimeTabularExplainer`:
//! perturb around the instance (percentile bins of the training data, or gaussian), weight samples
//! by an exponential kernel, fit a weighted ridge surrogate per output on selected features.

use crate::error::{Error, Result};
use crate::explain::binary_design::{row_words, BinaryDesign};
use crate::explain::builder::{core_setters, BuilderCore};
use crate::explain::explainer::{check_rows, names_or_default, par_rows, Explainer};
use crate::explain::explanation::{Explained, Explanation, LimeRow, RowAttribution};
use crate::explain::game::masker::DEFAULT_BLOCK_ROWS;
use crate::explain::game::predict::predict_f64;
use crate::explain::game::row_games::{Filling, Games, RowBackground, RowBackgroundAt, RowFill};
use crate::explain::lime::discretize::{fit_all, sample_row, FeatureBins, RowScratch};
use crate::explain::lime::fit::fit_surrogates;
use crate::explain::lime::surrogate::Gram;
use crate::explain::lime::switched;
use crate::explain::method::Method;
use crate::explain::params::{Discretizer, LimeParams, Selection};
use crate::explain::players::feature_groups::FeatureGroups;
use crate::explain::players::row_players;
use crate::explain::progress::Progress;
use crate::explain::sampling::row_rng;
use crate::model::Model;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rand::{Rng, RngCore, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Training statistics LIME perturbs with.
struct LimeStats<'p> {
    names: Vec<String>,
    bins: Option<Vec<FeatureBins>>,
    /// Per feature, its categories when it is categorical (used by the gaussian scheme).
    categories: Vec<Option<FeatureBins>>,
    mean: Vec<f64>,
    std: Vec<f64>,
    opts: &'p LimeParams,
}

impl<'p> LimeStats<'p> {
    /// Fits bins, means and stds on the training rows.
    fn fit(names: &[String], train: ArrayView2<f32>, opts: &'p LimeParams) -> Result<Self> {
        if train.nrows() < 2 {
            return Err(Error::Mismatch(
                "LIME needs at least 2 training rows".into(),
            ));
        }
        let percentiles: &[f64] = match opts.discretizer {
            Discretizer::Quartile => &[25.0, 50.0, 75.0],
            Discretizer::Decile => &[10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0],
            Discretizer::None => &[],
        };
        let bins = (!percentiles.is_empty())
            .then(|| fit_all(names, train, percentiles, &opts.categorical));
        let categories = (0..names.len())
            .map(|j| {
                opts.categorical
                    .contains(&j)
                    .then(|| FeatureBins::categorical(&names[j], train.column(j)))
            })
            .collect();
        let t = train.mapv(f64::from);
        let mean = t.mean_axis(Axis(0)).expect("rows").to_vec();
        // sklearn's StandardScaler: population std, 1 for constant columns.
        let std = t
            .std_axis(Axis(0), 0.0)
            .iter()
            .map(|&s| if s > 0.0 { s } else { 1.0 })
            .collect();
        Ok(LimeStats {
            names: names.to_vec(),
            bins,
            categories,
            mean,
            std,
            opts,
        })
    }

    /// LIME's kernel √exp(−d²/w²) of a squared distance.
    fn kernel(&self, d2: f64, m: usize) -> f64 {
        let width = self.opts.kernel_width(m);
        (-d2 / (width * width)).exp().sqrt()
    }

    /// Fills `inputs` [n, M] with perturbed samples of `x` (row 0 is `x`) and returns the
    /// surrogate's weighted moments and the instance's row of the surrogate design.
    fn perturb(
        &self,
        x: ArrayView1<f32>,
        rng: &mut Xoshiro256PlusPlus,
        inputs: &mut [f32],
    ) -> (Gram, Array1<f64>) {
        let (n, m) = (self.opts.num_samples, x.len());
        for (dst, &v) in inputs[..m].iter_mut().zip(x) {
            *dst = v;
        }
        match &self.bins {
            Some(bins) => {
                // Binary design: 1 where a sample falls in the instance's own bin (row 0: all 1).
                let own: Vec<usize> = bins.iter().zip(x).map(|(b, &v)| b.bin(v)).collect();
                let rw = row_words(m);
                let mut rows = vec![0u64; n * rw];
                for j in 0..m {
                    rows[j / 64] |= 1 << (j % 64);
                }
                let mut scratch = RowScratch::default();
                let samples = inputs.chunks_exact_mut(m).zip(rows.chunks_exact_mut(rw));
                for (v, r) in samples.skip(1) {
                    sample_row(bins, &own, rng, v, r, &mut scratch);
                }
                // The distance to the instance counts the features that left its bin.
                let design = BinaryDesign::new(&rows, m, |ones| self.kernel((m - ones) as f64, m));
                (Gram::binary(design), Array1::ones(m))
            }
            None => {
                let mut v = ArrayViewMut2::from_shape((n, m), inputs).expect("n x M buffer");
                let mut design = Array2::<f64>::zeros((n, m));
                for j in 0..m {
                    if let Some(cat) = &self.categories[j] {
                        // Categories by training frequency; the design says "same as the instance".
                        design[[0, j]] = 1.0;
                        for i in 1..n {
                            let c = cat.draw_category(rng.next_u64());
                            v[[i, j]] = c as f32;
                            design[[i, j]] = f64::from(c as f32 == x[j]);
                        }
                        continue;
                    }
                    let centre = if self.opts.sample_around_instance {
                        x[j] as f64
                    } else {
                        self.mean[j]
                    };
                    for i in 1..n {
                        let z: f64 = rng.sample(StandardNormal);
                        v[[i, j]] = (z * self.std[j] + centre) as f32;
                    }
                    for i in 0..n {
                        design[[i, j]] = (v[[i, j]] as f64 - self.mean[j]) / self.std[j];
                    }
                }
                let first = design.row(0).to_owned();
                let weights = design
                    .outer_iter()
                    .map(|r| {
                        let d2 = r.iter().zip(&first).map(|(a, b)| (a - b).powi(2)).sum();
                        self.kernel(d2, m)
                    })
                    .collect();
                (Gram::new(design, weights), first)
            }
        }
    }

    /// LIME for one row: weights [M, K] and lime's per-output fields; `buffer` holds the
    /// perturbed model inputs (reused across rows).
    fn explain_row(
        &self,
        model: &dyn Model,
        x: ArrayView1<f32>,
        row: usize,
        buffer: &mut Vec<f32>,
    ) -> Result<RowAttribution> {
        let (n, m) = (self.opts.num_samples, x.len());
        // A fast generator for the n x M draws, seeded from the row's own stream.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(row_rng(self.opts.seed, row).gen());
        buffer.resize(n * m, 0.0);
        let (gram, first) = self.perturb(x, &mut rng, buffer);
        let inputs = ArrayView2::from_shape((n, m), buffer.as_slice()).expect("n x M buffer");
        let y = predict_f64(model, inputs)?;
        let describe = |j: usize| (self.names[j].clone(), self.describe(j, x[j]));
        let (values, outputs) = fit_surrogates(
            self.opts,
            &gram,
            y.view(),
            first.view(),
            model.output_names(),
            &describe,
        );
        Ok(RowAttribution {
            values,
            stderr: None,
            evaluations: n,
            lime: Some(LimeRow { row, outputs }),
        })
    }

    /// How a feature of the instance reads in the explanation (its bin, or `name = value`).
    fn describe(&self, j: usize, v: f32) -> String {
        match (&self.bins, &self.categories[j]) {
            (Some(b), _) => b[j].describe(&self.names[j], v),
            (None, Some(cat)) => cat.describe(&self.names[j], v),
            (None, None) => format!("{} = {v}", self.names[j]),
        }
    }
}

/// LIME explanations with `lime_tabular`'s semantics, built step by step:
///
/// ```
/// use ndarray::Array2;
/// use onnx_inspector::explain::{Explainer, LimeExplainer};
/// use onnx_inspector::model::FnModel;
///
/// // f(x) = x0 − x1 on uniform training data: x0's bin pushes the output up or down.
/// let model = FnModel::new(2, 1, |x| vec![x[0] - x[1]]);
/// let train = Array2::from_shape_fn((200, 2), |(i, j)| ((i * (j + 3)) % 97) as f32);
/// let e = LimeExplainer::new(&model, train.view())
///     .samples(2000)
///     .seed(7)
///     .explain(train.slice(ndarray::s![0..2, ..]))?;
/// assert_eq!(e.lime.len(), 2);
/// assert_eq!(e.lime[0].outputs[0].terms.len(), 2);
/// # Ok::<(), onnx_inspector::Error>(())
/// ```
pub struct LimeExplainer<'a> {
    core: BuilderCore<'a>,
    train: ArrayView2<'a, f32>,
    params: LimeParams,
}

impl<'a> LimeExplainer<'a> {
    /// An explainer whose perturbation statistics come from `train`, with lime's defaults.
    pub fn new(model: &'a dyn Model, train: ArrayView2<'a, f32>) -> Self {
        LimeExplainer {
            core: BuilderCore::new(model),
            train,
            params: LimeParams::default(),
        }
    }

    core_setters!();

    /// LIME over players switched on and off, with f(x) per row.
    fn explain_players(
        &self,
        x: ArrayView2<f32>,
        indices: &[usize],
        sets: &[FeatureGroups],
    ) -> Result<(Vec<RowAttribution>, Array2<f64>)> {
        if let Some(g) = sets
            .iter()
            .find(|g| g.n_features() != self.core.model.n_features())
        {
            return Err(Error::Mismatch(format!(
                "the groups cover {} features; the model takes {}",
                g.n_features(),
                self.core.model.n_features()
            )));
        }
        let filling = Filling {
            background: self.train,
            row_background: self.core.row_background,
            block_rows: DEFAULT_BLOCK_ROWS,
            incremental: true,
        };
        let games = Games::new(self.core.model, filling, sets, x)?;
        let outputs = self.core.model.output_names();
        let rows = par_rows(
            x.nrows(),
            self.core.progress,
            || (),
            |_, i| {
                games.with_game(i, |game| {
                    switched::explain_row(
                        game,
                        &self.params,
                        games.groups_of(i).names(),
                        outputs,
                        indices[i],
                    )
                })
            },
        )?;
        Ok((rows, games.fx))
    }

    /// Replaces all settings.
    pub fn params(mut self, params: LimeParams) -> Self {
        self.params = params;
        self
    }

    /// Perturbed samples per row.
    pub fn samples(mut self, n: usize) -> Self {
        self.params.num_samples = n;
        self
    }

    /// Features kept in each surrogate.
    pub fn num_features(mut self, n: usize) -> Self {
        self.params.num_features = n;
        self
    }

    /// Perturbation scheme.
    pub fn discretizer(mut self, d: Discretizer) -> Self {
        self.params.discretizer = d;
        self
    }

    /// Feature selection.
    pub fn selection(mut self, s: Selection) -> Self {
        self.params.selection = s;
        self
    }

    /// Kernel width.
    pub fn kernel_width(mut self, w: f64) -> Self {
        self.params.kernel_width = Some(w);
        self
    }

    /// Seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.params.seed = seed;
        self
    }

    /// Categorical features by index.
    pub fn categorical(mut self, features: Vec<usize>) -> Self {
        self.params.categorical = features;
        self
    }

    /// The settings in force.
    pub fn settings(&self) -> &LimeParams {
        &self.params
    }
}

impl Explainer for LimeExplainer<'_> {
    fn method(&self) -> Method {
        Method::Lime
    }

    /// LIME explanations of the rows; `base_values` hold each surrogate's intercept.
    fn explain_indexed(&self, x: ArrayView2<f32>, indices: &[usize]) -> Result<Explanation> {
        self.params.check(self.core.model.n_features())?;
        check_rows(self.core.model, x, indices)?;
        let m = self.core.model.n_features();
        if self.train.ncols() != m {
            return Err(Error::Mismatch(format!(
                "the model takes {m} features; the training data has {}",
                self.train.ncols()
            )));
        }
        let names = names_or_default(&self.core.names, m)?;
        let groups = row_players::resolve(
            self.core.groups.as_ref(),
            self.core.row_groups.as_deref(),
            &names,
            x.nrows(),
        )?;
        let switched = self.core.groups.is_some()
            || self.core.row_groups.is_some()
            || self.core.row_background.is_some();
        let (rows, fx) = if switched {
            let sets = self
                .core
                .row_groups
                .as_deref()
                .unwrap_or(std::slice::from_ref(&groups));
            self.explain_players(x, indices, sets)?
        } else {
            let stats = LimeStats::fit(&names, self.train, &self.params)?;
            let rows = par_rows(x.nrows(), self.core.progress, Vec::new, |buffer, i| {
                stats.explain_row(self.core.model, x.row(i), indices[i], buffer)
            })?;
            (rows, predict_f64(self.core.model, x)?)
        };
        let k = self.core.model.n_outputs();
        let base = Array2::from_shape_fn((rows.len(), k), |(i, o)| {
            rows[i]
                .lime
                .as_ref()
                .map_or(0.0, |l| l.outputs[o].intercept)
        });
        Ok(Explanation::from_rows(
            Method::Lime,
            &groups,
            self.core.model.output_names().to_vec(),
            Explained {
                row_indices: indices.to_vec(),
                data: x.to_owned(),
                base_values: base,
                predictions: fx,
            },
            rows,
        )
        .with_row_groups(self.core.row_groups.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FnModel;

    /// Deterministic pseudo-random rows in [-1, 1) (as the integration tests' grid).
    fn grid(n: usize, m: usize, salt: u64) -> Array2<f32> {
        Array2::from_shape_fn((n, m), |(i, j)| {
            let h = (i as u64 * 7919 + j as u64 * 104_729 + salt * 1_299_709)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
            ((h >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
    }

    #[test]
    fn discretized_weights_recover_an_additive_model_of_bin_membership() {
        // f(x) = Σ c_j · 1[x_j in the instance's quartile bin] is exactly linear in LIME's binary
        // features, so the alpha-1 ridge must return c (up to its tiny shrinkage) with R² ≈ 1.
        let m = 6;
        let c = [2.0f64, -1.0, 0.5, 0.0, 3.0, -0.25];
        let train = grid(400, m, 11);
        let x = grid(2, m, 21);
        let names: Vec<String> = (0..m).map(|j| format!("f{j}")).collect();
        for row in 0..2 {
            let bins: Vec<FeatureBins> = (0..m)
                .map(|j| FeatureBins::fit(&names[j], train.column(j), &[25.0, 50.0, 75.0]))
                .collect();
            let own: Vec<usize> = (0..m).map(|j| bins[j].bin(x[[row, j]])).collect();
            let model = FnModel::new(m, 1, move |v| {
                let hits = (0..m).filter(|&j| bins[j].bin(v[j]) == own[j]);
                vec![hits.map(|j| c[j]).sum::<f64>() as f32]
            });
            let opts = LimeParams {
                selection: Selection::None,
                seed: 3,
                ..LimeParams::default()
            };
            let lime = LimeExplainer::new(&model, train.view())
                .params(opts)
                .feature_names(names.clone());
            let xr = x.slice(ndarray::s![row..row + 1, ..]).to_owned();
            let e = lime.explain_indexed(xr.view(), &[row]).unwrap();
            for (j, &cj) in c.iter().enumerate() {
                let got = e.values[[0, j, 0]];
                assert!(
                    (got - cj).abs() < 0.01 * (1.0 + cj.abs()),
                    "row {row} f{j}: {got}"
                );
            }
            let score = e.lime[0].outputs[0].score;
            assert!(score > 0.999, "{score}");
        }
    }
}
