//! Choosing what a chart shows: outputs and features named by index or name, the output charts
//! across rows show by default, and the features that get a dependence scatter.

use super::{check_index, mean_abs, ranking, scatter, style};
use crate::error::{Error, Result};
use crate::report::ExplanationFile;

/// Resolves an output given as an index or as one of the file's output names.
pub fn resolve_output(file: &ExplanationFile, spec: &str) -> Result<usize> {
    resolve_name("output", &file.output_names, spec)
}

/// Resolves a feature (player) given as an index or as one of the file's feature names.
pub fn resolve_feature(file: &ExplanationFile, spec: &str) -> Result<usize> {
    resolve_name("feature", &file.feature_names, spec)
}

/// `spec` as one of `names` or as an index below their count.
fn resolve_name(what: &str, names: &[String], spec: &str) -> Result<usize> {
    if let Some(k) = names.iter().position(|n| n == spec) {
        return Ok(k);
    }
    match spec.trim().parse::<usize>() {
        Ok(k) => {
            check_index(what, k, names.len(), "has")?;
            Ok(k)
        }
        Err(_) => Err(Error::Chart(format!(
            "{what} '{spec}' is neither an index nor one of the {what}s ({})",
            style::truncate_to(&names.join(", "), 120)
        ))),
    }
}

/// The output with the largest total mean |φ| (the one a chart across rows shows by default).
pub fn main_output(file: &ExplanationFile) -> usize {
    let totals: Vec<f64> = (0..file.output_names.len())
        .map(|k| mean_abs(file, k).iter().sum())
        .collect();
    ranking(&totals).first().copied().unwrap_or(0)
}

/// The `top` features by mean |φ| for output `k` that have one value per row (groups of several
/// inputs have none), largest first: the features that get a dependence scatter.
pub fn scatter_features(file: &ExplanationFile, output: usize, top: usize) -> Vec<usize> {
    ranking(&mean_abs(file, output))
        .into_iter()
        .filter(|&j| scatter::player_values(file, j).is_ok())
        .take(top)
        .collect()
}
