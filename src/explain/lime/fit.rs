//! LIME's surrogate step shared by its tabular and player (image, group) forms: choose features
//! per output as lime does, fit the weighted ridge (alpha 1), and describe the fit.

use crate::explain::explanation::{LimeSurrogate, LimeTerm};
use crate::explain::lime::surrogate::{Fit, Gram, Target};
use crate::explain::linalg::Lu;
use crate::explain::params::{LimeParams, Selection};
use crate::explain::rank::rank_desc;
use ndarray::{Array2, ArrayView1, ArrayView2};

/// Lime's ranking ridge (alpha 0.01) on all features: the same matrix for every output, factored once.
#[derive(Default)]
pub(crate) struct AllFeatures {
    lu: std::sync::OnceLock<Option<Lu>>,
}

impl AllFeatures {
    pub(crate) fn coef(&self, g: &Gram, t: &Target) -> Vec<f64> {
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

/// Features chosen for one output's surrogate.
pub(crate) fn select(
    opts: &LimeParams,
    g: &Gram,
    t: &Target,
    first: ArrayView1<f64>,
    all: &AllFeatures,
) -> Vec<usize> {
    let m = first.len();
    let k = opts.num_features.min(m);
    let selection = match opts.selection {
        Selection::Auto if opts.num_features <= 6 => Selection::Forward,
        Selection::Auto => Selection::HighestWeights,
        s => s,
    };
    match selection {
        Selection::None | Selection::Auto => (0..m).collect(),
        Selection::HighestWeights => {
            let coef = all.coef(g, t);
            let w: Vec<f64> = (0..m).map(|j| (coef[j] * first[j]).abs()).collect();
            let mut order = rank_desc(&w);
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
                used.push(
                    best.1.unwrap_or_else(|| {
                        (0..m).find(|j| !used.contains(j)).expect("free feature")
                    }),
                );
            }
            used
        }
    }
}

/// One weighted ridge surrogate per output of `y` [n, K] on the design of `gram`, whose row for
/// the instance is `first`; `describe(j)` names feature j and says how it reads for the
/// instance. Returns the surrogates and their weights as a [M, K] array (0 where unselected).
pub(crate) fn fit_surrogates(
    opts: &LimeParams,
    gram: &Gram,
    y: ArrayView2<f64>,
    first: ArrayView1<f64>,
    output_names: &[String],
    describe: &dyn Fn(usize) -> (String, String),
) -> (Array2<f64>, Vec<LimeSurrogate>) {
    let all = AllFeatures::default();
    let k = y.ncols();
    let mut values = Array2::<f64>::zeros((first.len(), k));
    let mut outputs = Vec::with_capacity(k);
    for (o, target) in gram.targets(y).iter().enumerate() {
        let features = select(opts, gram, target, first, &all);
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
        let magnitude: Vec<f64> = fit.coef.iter().map(|c| c.abs()).collect();
        let terms = rank_desc(&magnitude)
            .into_iter()
            .map(|t| {
                let (j, weight) = (fit.features[t], fit.coef[t]);
                values[[j, o]] = weight;
                let (name, description) = describe(j);
                LimeTerm {
                    index: j,
                    name,
                    description,
                    weight,
                }
            })
            .collect();
        outputs.push(LimeSurrogate {
            output: output_names[o].clone(),
            intercept: fit.intercept,
            score: fit.score,
            local_pred,
            terms,
        });
    }
    (values, outputs)
}
