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
            let ranking = rank_desc(&mean_abs);
            OutputSummary {
                output: name.clone(),
                mean_abs,
                mean,
                ranking,
            }
        })
        .collect()
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
