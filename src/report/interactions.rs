//! Interaction values in `explanations.json`: their shape check and the summary's global
//! mean |Φ_ij| per output.

use crate::explain::Interactions;
use crate::report::summary::OutputSummary;
use ndarray::{s, Axis};

/// The summaries with each output's mean |Φ_ij| over rows `[P][P]`, when there are interactions.
pub(crate) fn with_interaction_means(
    mut summary: Vec<OutputSummary>,
    interactions: Option<&Interactions>,
) -> Vec<OutputSummary> {
    let Some(i) = interactions.filter(|i| i.values.shape()[0] > 0) else {
        return summary;
    };
    for (k, out) in summary.iter_mut().enumerate() {
        let mean = i
            .values
            .slice(s![.., .., .., k])
            .mapv(f64::abs)
            .mean_axis(Axis(0));
        out.mean_abs_interactions = mean.map(|m| m.outer_iter().map(|r| r.to_vec()).collect());
    }
    summary
}

/// Checks that an interactions array is `[n][P][P][K]`.
pub(crate) fn check_interactions(
    name: &str,
    a: Option<&[Vec<Vec<Vec<f64>>>]>,
    n: usize,
    p: usize,
    k: usize,
) -> Result<(), String> {
    let Some(a) = a else { return Ok(()) };
    let bad = a.len() != n
        || a.iter().any(|r| {
            r.len() != p
                || r.iter()
                    .any(|q| q.len() != p || q.iter().any(|o| o.len() != k))
        });
    match bad {
        true => Err(format!(
            "'{name}' is not {n} rows x {p} x {p} players x {k} outputs"
        )),
        false => Ok(()),
    }
}
