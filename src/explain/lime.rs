//! LIME for tabular models with the semantics of `lime.lime_tabular.LimeTabularExplainer`:
//! perturb around the instance (percentile bins of the training data, or gaussian), weight samples
//! by an exponential kernel, fit a weighted ridge surrogate per output on selected features.

use super::binary_design::{row_words, BinaryDesign};
use super::discretize::{fit_all, sample_row, FeatureBins, RowScratch};
use super::explanation::{Explanation, RowAttribution};
use super::linalg::Lu;
use super::masker::check_finite;
use super::sampling::row_rng;
use super::surrogate::{Fit, Gram, Target};
use super::Progress;
use crate::error::{Error, Result};
use crate::model::Model;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde_json::json;
use std::sync::atomic::Ordering;

/// How continuous features are perturbed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Discretizer {
    /// Quartile bins (lime's default).
    Quartile,
    /// Decile bins.
    Decile,
    /// No bins: gaussian samples scaled by the training std.
    None,
}

/// How features enter the surrogate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// Forward selection when num_features ≤ 6, else highest weights.
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

/// LIME settings (defaults are the reference library's).
#[derive(Debug, Clone)]
pub struct LimeOptions {
    /// Perturbed samples per row, the instance included.
    pub num_samples: usize,
    /// Features kept in each surrogate.
    pub num_features: usize,
    /// Perturbation scheme.
    pub discretizer: Discretizer,
    /// Kernel width (default 0.75·√M).
    pub kernel_width: Option<f64>,
    /// Feature selection.
    pub selection: Selection,
    /// Gaussian samples around the instance instead of the training mean (no-discretize mode).
    pub sample_around_instance: bool,
    /// Seed.
    pub seed: u64,
}

impl Default for LimeOptions {
    fn default() -> Self {
        LimeOptions {
            num_samples: 5000,
            num_features: 10,
            discretizer: Discretizer::Quartile,
            kernel_width: None,
            selection: Selection::Auto,
            sample_around_instance: false,
            seed: 0,
        }
    }
}

/// Lime's ranking ridge (alpha 0.01) on all features: the same matrix for every output, factored once.
#[derive(Default)]
struct AllFeatures {
    lu: std::sync::OnceLock<Option<Lu>>,
}

impl AllFeatures {
    fn coef(&self, g: &Gram, t: &Target) -> Vec<f64> {
        let lu = self.lu.get_or_init(|| {
            let p = g.gram.nrows();
            let a = Array2::from_shape_fn((p, p), |(i, j)| {
                g.gram[[i, j]] + if i == j { 0.01 } else { 0.0 }
            });
            Lu::factor(p, a.into_raw_vec_and_offset().0)
        });
        lu.as_ref()
            .expect("ridge with alpha > 0 is regular")
            .solve(t.xy.as_slice().expect("contiguous"))
    }
}

/// Training statistics LIME perturbs with.
pub struct LimeExplainer {
    names: Vec<String>,
    bins: Option<Vec<FeatureBins>>,
    mean: Vec<f64>,
    std: Vec<f64>,
    opts: LimeOptions,
}

impl LimeExplainer {
    /// Fits bins, means and stds on the training rows.
    pub fn fit(names: &[String], train: ArrayView2<f32>, opts: LimeOptions) -> Result<Self> {
        if train.nrows() < 2 {
            return Err(Error::Invalid("LIME needs at least 2 training rows".into()));
        }
        if opts.num_samples < 2 || opts.num_features == 0 {
            return Err(Error::Invalid(
                "LIME needs --samples >= 2 and --num-features >= 1".into(),
            ));
        }
        let percentiles: &[f64] = match opts.discretizer {
            Discretizer::Quartile => &[25.0, 50.0, 75.0],
            Discretizer::Decile => &[10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0],
            Discretizer::None => &[],
        };
        let bins = (!percentiles.is_empty()).then(|| fit_all(names, train, percentiles));
        let t = train.mapv(f64::from);
        let mean = t.mean_axis(Axis(0)).expect("rows").to_vec();
        // sklearn's StandardScaler: population std, 1 for constant columns.
        let std = t
            .std_axis(Axis(0), 0.0)
            .iter()
            .map(|&s| if s > 0.0 { s } else { 1.0 })
            .collect();
        Ok(LimeExplainer {
            names: names.to_vec(),
            bins,
            mean,
            std,
            opts,
        })
    }

    /// LIME's kernel √exp(−d²/w²) of a squared distance.
    fn kernel(&self, d2: f64, m: usize) -> f64 {
        let width = self.opts.kernel_width.unwrap_or(0.75 * (m as f64).sqrt());
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

    /// Features chosen for one output's surrogate.
    fn select(
        &self,
        g: &Gram,
        t: &Target,
        first: ArrayView1<f64>,
        all: &AllFeatures,
    ) -> Vec<usize> {
        let m = first.len();
        let k = self.opts.num_features.min(m);
        let selection = match self.opts.selection {
            Selection::Auto if self.opts.num_features <= 6 => Selection::Forward,
            Selection::Auto => Selection::HighestWeights,
            s => s,
        };
        match selection {
            Selection::None | Selection::Auto => (0..m).collect(),
            Selection::HighestWeights => {
                let coef = all.coef(g, t);
                let mut order: Vec<usize> = (0..m).collect();
                let w = |j: usize| (coef[j] * first[j]).abs();
                order.sort_by(|&a, &b| w(b).total_cmp(&w(a)).then(a.cmp(&b)));
                order.truncate(k);
                order
            }
            Selection::LassoPath => g.lasso_path_select(t, k),
            Selection::Forward => {
                let mut used: Vec<usize> = vec![];
                for _ in 0..k {
                    let mut best = (f64::NEG_INFINITY, None);
                    for j in (0..m).filter(|j| !used.contains(j)) {
                        let mut cand = used.clone();
                        cand.push(j);
                        let score = g
                            .fit(t, &cand, 1e-10)
                            .map_or(f64::NEG_INFINITY, |f| f.score);
                        if score > best.0 {
                            best = (score, Some(j));
                        }
                    }
                    used.push(best.1.unwrap_or_else(|| {
                        (0..m).find(|j| !used.contains(j)).expect("free feature")
                    }));
                }
                used
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
        let y = model.predict(inputs)?;
        check_finite(&y)?;
        let first = first.view();
        let k = y.ncols();
        let all = AllFeatures::default();
        let mut values = Array2::<f64>::zeros((m, k));
        let mut outputs = vec![];
        let targets = gram.targets(y.mapv(f64::from).view());
        for (o, target) in targets.iter().enumerate() {
            let features = self.select(&gram, target, first, &all);
            let fit: Fit = gram
                .fit(target, &features, 1.0)
                .expect("ridge with alpha 1 is regular");
            let local_pred = fit.intercept
                + fit
                    .features
                    .iter()
                    .zip(&fit.coef)
                    .map(|(&j, c)| c * first[j])
                    .sum::<f64>();
            let mut ranked: Vec<(usize, f64)> = fit
                .features
                .iter()
                .copied()
                .zip(fit.coef.iter().copied())
                .collect();
            ranked.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
            for &(j, c) in &ranked {
                values[[j, o]] = c;
            }
            outputs.push(json!({
                "output": model.output_names()[o],
                "intercept": fit.intercept,
                "score": fit.score,
                "local_pred": local_pred,
                "features": ranked.iter().map(|&(j, c)| json!({
                    "index": j,
                    "name": self.names[j],
                    "description": self.describe(j, x[j]),
                    "weight": c,
                })).collect::<Vec<_>>(),
            }));
        }
        Ok(RowAttribution {
            values,
            stderr: None,
            evaluations: self.opts.num_samples,
            extra: Some(json!({ "row": row, "outputs": outputs })),
        })
    }

    /// How a feature of the instance reads in the explanation (its bin, or `name = value`).
    fn describe(&self, j: usize, v: f32) -> String {
        match &self.bins {
            Some(b) => b[j].names[b[j].bin(v)].clone(),
            None => format!("{} = {v}", self.names[j]),
        }
    }

    /// LIME explanations of `x`'s rows; `base_values` hold each surrogate's intercept.
    pub fn explain(
        &self,
        model: &dyn Model,
        x: ArrayView2<f32>,
        row_indices: &[usize],
        progress: Option<&Progress>,
    ) -> Result<Explanation> {
        if x.ncols() != self.names.len() || model.n_features() != x.ncols() {
            return Err(Error::Invalid(format!(
                "the model takes {} features; the rows have {} and the training data {}",
                model.n_features(),
                x.ncols(),
                self.names.len()
            )));
        }
        let fx = model.predict(x)?;
        check_finite(&fx)?;
        let rows: Vec<RowAttribution> = (0..x.nrows())
            .into_par_iter()
            .map_init(Vec::new, |buffer, i| {
                if progress.is_some_and(|p| p.cancel.load(Ordering::Relaxed)) {
                    return Err(Error::Interrupted);
                }
                let r = self.explain_row(model, x.row(i), row_indices[i], buffer)?;
                if let Some(p) = progress {
                    (p.row_done)();
                }
                Ok(r)
            })
            .collect::<Result<_>>()?;
        let k = model.n_outputs();
        let base = Array2::from_shape_fn((rows.len(), k), |(i, o)| {
            rows[i].extra.as_ref().expect("lime fields")["outputs"][o]["intercept"]
                .as_f64()
                .expect("number")
        });
        Ok(Explanation::from_rows(
            self.names.clone(),
            model.output_names().to_vec(),
            row_indices.to_vec(),
            x.to_owned(),
            base,
            fx.mapv(f64::from),
            rows,
        ))
    }
}
