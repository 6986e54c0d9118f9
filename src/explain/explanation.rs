//! The common result of every estimator: attributions per row, feature and output.

use crate::explain::interactions::Interactions;
use crate::explain::method::Method;
use crate::explain::players::feature_groups::FeatureGroups;
use ndarray::{Array2, Array3};
use serde::{Deserialize, Serialize};

/// One term of a LIME surrogate: a feature, how it reads for the instance, and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimeTerm {
    /// Feature index.
    pub index: usize,
    /// Feature name.
    pub name: String,
    /// The instance's bin rule (`worst radius > 16.8`) or `name = value`.
    pub description: String,
    /// The surrogate's coefficient.
    pub weight: f64,
}

/// LIME's weighted ridge surrogate of one output around one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimeSurrogate {
    /// Output name.
    pub output: String,
    /// Surrogate intercept.
    pub intercept: f64,
    /// Weighted R² of the surrogate on its samples (lime's `score`).
    pub score: f64,
    /// The surrogate's prediction at the instance (lime's `local_pred`).
    pub local_pred: f64,
    /// Selected features by decreasing |weight| (`features` in JSON, as lime's `as_list`).
    #[serde(rename = "features")]
    pub terms: Vec<LimeTerm>,
}

/// LIME's per-row fields: one surrogate per output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimeRow {
    /// The row's index in its data file.
    pub row: usize,
    /// One surrogate per output.
    pub outputs: Vec<LimeSurrogate>,
}

/// Attributions for one explained row.
#[derive(Debug, Clone)]
pub(crate) struct RowAttribution {
    /// φ, shape [M, K].
    pub values: Array2<f64>,
    /// Standard error of each φ, shape [M, K]; `None` when the estimate is exact.
    pub stderr: Option<Array2<f64>>,
    /// Coalitions (or perturbed samples) evaluated for this row.
    pub evaluations: usize,
    /// LIME's surrogates, for LIME rows.
    pub lime: Option<LimeRow>,
}

/// Attributions for many rows, shaped like `shap.Explanation`.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The estimator that made it.
    pub method: Method,
    /// Names of the players `[P]`: the features, or the groups of `groups`.
    pub feature_names: Vec<String>,
    /// The players when they are groups of features (`None`: every feature is a player, P = M).
    pub groups: Option<FeatureGroups>,
    /// The players of each row `[n]` when every row has its own (e.g. its superpixels); then
    /// `groups` is `None` and `feature_names` name the P players every row has.
    pub row_groups: Option<Vec<FeatureGroups>>,
    /// Output names `[K]`.
    pub output_names: Vec<String>,
    /// Indices of the explained rows in the data file.
    pub row_indices: Vec<usize>,
    /// Explained inputs [n, M].
    pub data: Array2<f32>,
    /// Attributions [n, P, K].
    pub values: Array3<f64>,
    /// E f(background) or the surrogate's intercept, [n, K].
    pub base_values: Array2<f64>,
    /// f(x) [n, K].
    pub predictions: Array2<f64>,
    /// Standard errors [n, P, K], `None` for exact methods.
    pub stderr: Option<Array3<f64>>,
    /// Evaluations per row.
    pub evaluations: Vec<usize>,
    /// LIME's surrogates per row (empty for SHAP).
    pub lime: Vec<LimeRow>,
    /// Pairwise interaction values when asked for ([`crate::explain::ShapExplainer::interactions`]).
    pub interactions: Option<Interactions>,
}

/// The explained rows and what the model said of them, before attribution.
pub(crate) struct Explained {
    /// Indices of the rows in the data file.
    pub row_indices: Vec<usize>,
    /// The rows [n, M].
    pub data: Array2<f32>,
    /// Base values [n, K].
    pub base_values: Array2<f64>,
    /// f(x) [n, K].
    pub predictions: Array2<f64>,
}

impl Explanation {
    /// Assembles per-row results (all with the same players and K).
    pub(crate) fn from_rows(
        method: Method,
        players: &FeatureGroups,
        output_names: Vec<String>,
        explained: Explained,
        rows: Vec<RowAttribution>,
    ) -> Explanation {
        let Explained {
            row_indices,
            data,
            base_values,
            predictions,
        } = explained;
        let feature_names = players.names().to_vec();
        let groups = (!players.is_singletons()).then(|| players.clone());
        let (n, m, k) = (rows.len(), feature_names.len(), output_names.len());
        let mut values = Array3::zeros((n, m, k));
        let any_se = rows.iter().any(|r| r.stderr.is_some());
        let mut stderr = any_se.then(|| Array3::zeros((n, m, k)));
        for (i, r) in rows.iter().enumerate() {
            values.index_axis_mut(ndarray::Axis(0), i).assign(&r.values);
            if let (Some(se), Some(rse)) = (stderr.as_mut(), r.stderr.as_ref()) {
                se.index_axis_mut(ndarray::Axis(0), i).assign(rse);
            }
        }
        Explanation {
            method,
            feature_names,
            groups,
            row_groups: None,
            output_names,
            row_indices,
            data,
            values,
            base_values,
            predictions,
            stderr,
            evaluations: rows.iter().map(|r| r.evaluations).collect(),
            lime: rows.into_iter().filter_map(|r| r.lime).collect(),
            interactions: None,
        }
    }

    /// The explanation with players of each row's own (none: keeps the shared ones).
    pub(crate) fn with_row_groups(mut self, row_groups: Option<Vec<FeatureGroups>>) -> Self {
        if row_groups.is_some() {
            self.groups = None;
            self.row_groups = row_groups;
        }
        self
    }

    /// The players of row `i`: its own, the shared groups, or `None` when every feature is one.
    pub fn groups_of(&self, i: usize) -> Option<&FeatureGroups> {
        match &self.row_groups {
            Some(sets) => sets.get(i),
            None => self.groups.as_ref(),
        }
    }

    /// Number of explained rows.
    pub fn n_rows(&self) -> usize {
        self.values.shape()[0]
    }
}
