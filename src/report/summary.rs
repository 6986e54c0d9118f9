//! Per-output summaries: mean |φ| and mean φ per feature, features ranked.

use crate::explain::{mean_abs, rank_desc};
use ndarray::{Array3, Axis};
use serde::{Deserialize, Serialize};

/// Global importance of each feature for one output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputSummary {
    /// Output name.
    pub output: String,
    /// Mean |φ| over rows, per feature.
    pub mean_abs: Vec<f64>,
    /// Mean φ over rows, per feature.
    pub mean: Vec<f64>,
    /// Feature indices by decreasing mean |φ|.
    pub ranking: Vec<usize>,
    /// Mean |Φ_ij| over rows `[P][P]`, when interaction values were computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_abs_interactions: Option<Vec<Vec<f64>>>,
}

/// Summaries of attributions `values` [n, M, K], one per output.
pub fn summarize(values: &Array3<f64>, output_names: &[String]) -> Vec<OutputSummary> {
    output_names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let v = values.index_axis(Axis(2), k);
            let mean_abs = mean_abs(v);
            let mean = v.mean_axis(Axis(0)).expect("rows").to_vec();
            OutputSummary::new(name, mean_abs, mean)
        })
        .collect()
}

/// Summaries from per-output sums over `n` rows of |φ| (`abs[k][j]`) and φ (`signed[k][j]`);
/// zeros when there is no row.
pub fn summarize_sums(
    output_names: &[String],
    abs: &[Vec<f64>],
    signed: &[Vec<f64>],
    n: usize,
) -> Vec<OutputSummary> {
    summarize_counted(output_names, abs, signed, &vec![n; output_names.len()])
}

/// [`summarize_sums`] when output `k`'s sums are over `counts[k]` rows (the rows that store
/// it, under `--outputs predicted|top:K`): each output's means are over its own rows.
pub fn summarize_counted(
    output_names: &[String],
    abs: &[Vec<f64>],
    signed: &[Vec<f64>],
    counts: &[usize],
) -> Vec<OutputSummary> {
    output_names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let n = counts[k].max(1) as f64;
            let mean = |sums: &[f64]| sums.iter().map(|v| v / n).collect::<Vec<f64>>();
            OutputSummary::new(name, mean(&abs[k]), mean(&signed[k]))
        })
        .collect()
}

impl OutputSummary {
    /// One output's summary from its per-feature means, features ranked by mean |φ|.
    pub fn new(output: &str, mean_abs: Vec<f64>, mean: Vec<f64>) -> OutputSummary {
        OutputSummary {
            output: output.to_string(),
            ranking: rank_desc(&mean_abs),
            mean_abs,
            mean,
            mean_abs_interactions: None,
        }
    }
}

/// The short table `explain` prints: top features per output.
pub fn summary_table(summaries: &[OutputSummary], feature_names: &[String], top: usize) -> String {
    let mut s = String::new();
    for o in summaries {
        let items: Vec<String> = o
            .ranking
            .iter()
            .take(top)
            .map(|&j| format!("{} {:.4}", feature_names[j], o.mean_abs[j]))
            .collect();
        s += &format!("{:<16} {}\n", o.output, items.join("  "));
    }
    s
}
