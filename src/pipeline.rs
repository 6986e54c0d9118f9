//! End-to-end runs shared by the CLI and the demo: load model and data, explain, build the report.

use crate::data::{parse_rows, Background, Dataset};
use crate::error::{Error, Result};
use crate::explain::{explain_shap, LimeExplainer, LimeOptions, Method, Progress, ShapOptions};
use crate::model::{Engine, Model, OnnxModel, SelectOutputs, Timed};
use crate::report::{ExplanationFile, Meta, Timings};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to explain and how.
#[derive(Debug, Clone)]
pub struct ExplainRequest {
    /// ONNX model file.
    pub model: PathBuf,
    /// Rows to explain (CSV/NPY).
    pub data: PathBuf,
    /// Background rows; default: a seeded sample of `data`.
    pub background: Option<PathBuf>,
    /// Rows sampled from `data` when no background file is given.
    pub background_size: usize,
    /// Row selection such as `0:20`.
    pub rows: Option<String>,
    /// Estimator options.
    pub shap: ShapOptions,
    /// Output column names replacing the model's.
    pub output_names: Option<Vec<String>>,
    /// Outputs to explain (names or indices); empty for all.
    pub labels: Vec<String>,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// LIME settings, used when `shap.method` is `Lime`.
    pub lime: LimeOptions,
    /// LIME's training statistics source (default: `data`).
    pub train: Option<PathBuf>,
    /// Inference engine (tract, dense fast path, onnxruntime, or the fastest verified one).
    pub engine: Engine,
}

/// SHA-256 of a file, hex encoded.
pub fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Loads a model for `engine` and applies output names if given.
pub fn load_model(
    path: &Path,
    output_names: Option<Vec<String>>,
    engine: Engine,
) -> Result<OnnxModel> {
    let model = OnnxModel::load_with(path, engine)?;
    match output_names {
        Some(names) => model.with_output_names(names),
        None => Ok(model),
    }
}

/// Runs a SHAP explanation request and returns the report document.
pub fn run_explain(req: &ExplainRequest, progress: Option<&Progress>) -> Result<ExplanationFile> {
    let start = Instant::now();
    let onnx = load_model(&req.model, req.output_names.clone(), req.engine)?;
    let model = SelectOutputs::new(&onnx, &req.labels)?;
    let data = Dataset::load(&req.data)?;
    data.check_width(model.n_features(), "the data")?;
    let rows = parse_rows(req.rows.as_deref(), data.n_rows())?;
    if let Some(p) = progress {
        (p.total)(rows.len());
    }
    let x = data.values.select(ndarray::Axis(0), &rows);
    let m = model.n_features();
    let method = req.shap.resolved_method(m);
    let timed = Timed::new(&model);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(req.threads)
        .build()
        .map_err(|e| Error::Invalid(format!("--threads: {e}")))?;
    let threads = pool.current_num_threads();
    let engine = onnx.engine();
    let shared_meta = |explaining| {
        let meta = common_meta(req, &model, &timed, start, explaining, rows.len(), threads)?;
        Ok::<_, Error>(Meta { engine, ..meta })
    };
    if method == Method::Lime {
        let train = match &req.train {
            Some(p) => {
                let t = Dataset::load(p)?;
                t.check_width(m, "the training data")?;
                t
            }
            None => data.clone(),
        };
        let lime = LimeExplainer::fit(&data.feature_names, train.values.view(), req.lime.clone())?;
        let explaining = Instant::now();
        let explanation = pool.install(|| lime.explain(&timed, x.view(), &rows, progress))?;
        let explaining = explaining.elapsed().as_secs_f64();
        let meta = Meta {
            method: "lime".into(),
            sampling: Some(format!("{:?}", req.lime.discretizer).to_lowercase()),
            budget: req.lime.num_samples,
            evaluations_per_row: explanation.evaluations.clone(),
            model_rows_per_evaluation: 1,
            seed: req.lime.seed,
            tolerance: None,
            background: None,
            options: Some(serde_json::json!({
                "train": train.source,
                "num_features": req.lime.num_features,
                "discretizer": req.lime.discretizer,
                "kernel_width": req.lime.kernel_width.unwrap_or(0.75 * (m as f64).sqrt()),
                "feature_selection": req.lime.selection,
                "sample_around_instance": req.lime.sample_around_instance,
            })),
            ..shared_meta(explaining)?
        };
        return Ok(ExplanationFile::new(&explanation, meta));
    }
    let background = match &req.background {
        Some(p) => {
            let b = Dataset::load(p)?;
            b.check_width(model.n_features(), "the background")?;
            Background::from_dataset(&b)
        }
        None => {
            if req.background_size == 0 {
                return Err(Error::Invalid(
                    "--background-size must be at least 1".into(),
                ));
            }
            Background::sample(&data, req.background_size, req.shap.seed)
        }
    };
    let shap = ShapOptions {
        method,
        ..req.shap.clone()
    };
    let explaining = Instant::now();
    let explanation = pool.install(|| {
        explain_shap(
            &timed,
            data.feature_names.clone(),
            x.view(),
            &rows,
            background.rows.view(),
            &shap,
            progress,
        )
    })?;
    let explaining = explaining.elapsed().as_secs_f64();
    let meta = Meta {
        method: method_name(method).into(),
        sampling: (method == Method::Kernel).then(|| format!("{:?}", shap.sampling).to_lowercase()),
        budget: shap.budget(m),
        evaluations_per_row: explanation.evaluations.clone(),
        model_rows_per_evaluation: background.rows.nrows(),
        seed: shap.seed,
        tolerance: shap.tolerance,
        background: Some(background.description.clone()),
        options: None,
        ..shared_meta(explaining)?
    };
    Ok(ExplanationFile::new(&explanation, meta))
}

/// Metadata every method shares: files, tool, timings.
fn common_meta(
    req: &ExplainRequest,
    model: &SelectOutputs,
    timed: &Timed,
    start: Instant,
    explaining: f64,
    n_rows: usize,
    threads: usize,
) -> Result<Meta> {
    let total = start.elapsed().as_secs_f64();
    Ok(Meta {
        method: String::new(),
        sampling: None,
        budget: 0,
        evaluations_per_row: vec![],
        model_rows_per_evaluation: 0,
        seed: 0,
        tolerance: None,
        background: None,
        options: None,
        engine: req.engine,
        model: req.model.display().to_string(),
        model_sha256: sha256_file(&req.model)?,
        row_shape: model.row_shape(),
        output_indices: model.columns().to_vec(),
        data: req.data.display().to_string(),
        tool: format!("onnx-inspector {}", env!("CARGO_PKG_VERSION")),
        timings: Timings {
            total_seconds: total,
            explain_seconds: explaining,
            model_seconds: timed.seconds(),
            rows_per_second: n_rows as f64 / total.max(1e-9),
            threads,
        },
    })
}

/// The lowercase name of a method as written in JSON.
pub fn method_name(m: Method) -> &'static str {
    match m {
        Method::Auto => "auto",
        Method::Exact => "exact",
        Method::Kernel => "kernel",
        Method::Permutation => "permutation",
        Method::Lime => "lime",
    }
}
