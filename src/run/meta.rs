//! A run's metadata (`meta` in `explanations.json` and the manifest): estimator settings,
//! reference rows, files and timings.

use super::reference::Reference;
use crate::error::Result;
use crate::explain::{
    Discretizer, Estimator, Evaluator, LimeParams, Method, Selection, DEFAULT_PLAYER_KERNEL_WIDTH,
};
use crate::model::{Model, SelectOutputs};
use crate::report::{Meta, Timings};
use crate::request::ExplainRequest;
use serde::Serialize;
use std::path::Path;

/// SHA-256 of a file (or of a folder of Parquet parts), hex encoded, read in blocks.
pub fn sha256_file(path: &Path) -> Result<String> {
    if !path.is_dir() {
        return crate::atomic::FileSum::of_file(path).map(|s| s.sha256);
    }
    // A folder of Parquet parts: the hash of each part's name and hash, in reading order.
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for f in crate::data::parquet_files(path)? {
        let name = f.file_name().map(|n| n.to_string_lossy().to_string());
        h.update(name.unwrap_or_default().as_bytes());
        h.update([0]);
        h.update(crate::atomic::FileSum::of_file(&f)?.sha256.as_bytes());
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// LIME's settings over switched players as recorded in `meta.options`.
#[derive(Serialize)]
struct PlayerLimeMeta {
    kernel_width: f64,
    num_features: usize,
    feature_selection: Selection,
}

/// LIME's settings as recorded in `meta.options`.
#[derive(Serialize)]
struct LimeOptionsMeta<'a> {
    train: &'a str,
    num_features: usize,
    discretizer: Discretizer,
    kernel_width: f64,
    feature_selection: Selection,
    sample_around_instance: bool,
    categorical: &'a [usize],
}

impl<'a> LimeOptionsMeta<'a> {
    fn new(p: &'a LimeParams, train: &'a str, m: usize) -> Self {
        LimeOptionsMeta {
            train,
            num_features: p.num_features,
            discretizer: p.discretizer,
            kernel_width: p.kernel_width(m),
            feature_selection: p.selection,
            sample_around_instance: p.sample_around_instance,
            categorical: &p.categorical,
        }
    }
}

/// The run's metadata: estimator settings, reference rows, files and timings.
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_meta(
    req: &ExplainRequest,
    estimator: &Estimator,
    model: &SelectOutputs,
    n_players: usize,
    reference: &Reference,
    method: Method,
    evaluations_per_row: Vec<usize>,
    timings: Timings,
) -> Result<Meta> {
    let m = n_players;
    let evaluator = match estimator {
        Estimator::Shap(p) => p.evaluator(model),
        Estimator::Lime(_) => Evaluator::Model,
    };
    let (background, model_rows_per_evaluation) = match reference {
        Reference::Background(bg) => (Some(bg.description.clone()), bg.rows.nrows()),
        Reference::Train(_) => (None, 1),
    };
    // The tolerance asked for, which `resolve_estimator` drops when `auto` picks an image
    // estimator that ignores it.
    let asked = match &req.estimator {
        Estimator::Shap(p) => p.tolerance,
        Estimator::Lime(_) => None,
    };
    let se_target = match estimator {
        Estimator::Shap(p) if method.uses_tolerance() => p.effective_se_target(),
        _ => None,
    };
    let (sampling, budget, tolerance, options) = match (estimator, reference) {
        (Estimator::Shap(p), _) => (
            (method == Method::Kernel).then(|| p.sampling.name().to_string()),
            p.budget(m),
            asked,
            None,
        ),
        (Estimator::Lime(p), Reference::Train(train)) => (
            Some(p.discretizer.name().to_string()),
            p.num_samples,
            None,
            serde_json::to_value(LimeOptionsMeta::new(p, &train.source, m)).ok(),
        ),
        (Estimator::Lime(p), _) => (
            None,
            p.num_samples,
            None,
            serde_json::to_value(PlayerLimeMeta {
                kernel_width: p.kernel_width.unwrap_or(DEFAULT_PLAYER_KERNEL_WIDTH),
                num_features: p.num_features.min(m),
                feature_selection: p.selection,
            })
            .ok(),
        ),
    };
    Ok(Meta {
        method,
        sampling,
        budget,
        evaluations_per_row,
        model_rows_per_evaluation,
        seed: estimator.seed(),
        tolerance,
        tolerance_used: tolerance.map(|_| method.uses_tolerance()),
        se_target,
        background,
        options,
        evaluator: evaluator.name().into(),
        engine: req.engine,
        model: req.model.display().to_string(),
        model_sha256: sha256_file(&req.model)?,
        row_shape: model.row_shape(),
        output_indices: model.columns().to_vec(),
        data: req.data.display().to_string(),
        tool: format!("onnx-inspector {}", env!("CARGO_PKG_VERSION")),
        timings,
        interactions: matches!(estimator, Estimator::Shap(p) if p.interactions),
    })
}
