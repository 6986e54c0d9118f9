//! End-to-end runs shared by the CLI and the demo: load, resolve, run, report.

use crate::data::image::{ImageShape, MaskFill};
use crate::data::{parse_rows, Background, Dataset};
use crate::error::{Error, Result};
use crate::explain::{
    Discretizer, Estimator, Evaluator, Explainer, Explanation, Hierarchy, LimeExplainer,
    LimeParams, Method, Progress, Selection, ShapExplainer, ShapMethod, ShapParams,
    DEFAULT_PLAYER_KERNEL_WIDTH,
};
use crate::model::{resolve_names, Engine, Model, OnnxModel, SelectOutputs, Timed};
use crate::players::Players;
use crate::report::{ExplanationFile, Meta, Timings};
use ndarray::{Array2, ArrayView1};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to explain and how.
#[derive(Debug, Clone)]
pub struct ExplainRequest {
    /// ONNX model file.
    pub model: PathBuf,
    /// Rows to explain (CSV/NPY).
    pub data: PathBuf,
    /// Background rows (SHAP); default: a seeded sample of `data`.
    pub background: Option<PathBuf>,
    /// Rows sampled from `data` when no background file is given.
    pub background_size: usize,
    /// Row selection such as `0:20`; `None` for every row.
    pub rows: Option<String>,
    /// The estimator and its settings.
    pub estimator: Estimator,
    /// Output column names replacing the model's.
    pub output_names: Option<Vec<String>>,
    /// Outputs to explain (names or indices); empty for all.
    pub labels: Vec<String>,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// LIME's training statistics source (default: `data`).
    pub train: Option<PathBuf>,
    /// LIME's categorical features by name or index, resolved against the data's header.
    pub categorical: Vec<String>,
    /// Inference engine (tract, dense fast path, onnxruntime, or the fastest verified one).
    pub engine: Engine,
    /// JSON file of feature groups explained as one player each (`{"name": [features]}`).
    pub groups: Option<PathBuf>,
    /// Image players: patches and what hides them.
    pub image: ImageRequest,
}

/// How rows that are images are cut into players and what a hidden player becomes.
#[derive(Debug, Clone, Default)]
pub struct ImageRequest {
    /// Layout of a row as an image (default: the model input's shape when it has rank 3).
    pub shape: Option<ImageShape>,
    /// Players are squares of this many pixels a side, all channels together.
    pub patch: Option<usize>,
    /// Players are each image's own SLIC superpixels, about this many per image.
    pub superpixels: Option<usize>,
    /// SLIC's compactness with superpixels (default scikit-image's 10).
    pub compactness: Option<f64>,
    /// What a hidden patch becomes (default: background rows' values).
    pub fill: MaskFill,
}

impl ExplainRequest {
    /// Background rows sampled from the data when no background file is given (shap's examples use 50–100).
    pub const DEFAULT_BACKGROUND_SIZE: usize = 50;

    /// A request for every row of `data` with default settings otherwise.
    pub fn new(model: impl Into<PathBuf>, data: impl Into<PathBuf>, estimator: Estimator) -> Self {
        ExplainRequest {
            model: model.into(),
            data: data.into(),
            background: None,
            background_size: Self::DEFAULT_BACKGROUND_SIZE,
            rows: None,
            estimator,
            output_names: None,
            labels: vec![],
            threads: 0,
            train: None,
            categorical: vec![],
            engine: Engine::Auto,
            groups: None,
            image: ImageRequest::default(),
        }
    }
}

/// SHA-256 of a file, hex encoded, read in blocks.
pub fn sha256_file(path: &Path) -> Result<String> {
    crate::batch::verify::FileSum::of_file(path).map(|s| s.sha256)
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

/// The rows that stand in for absent features (SHAP) or give the perturbation statistics (LIME).
pub(crate) enum Reference {
    Background(Background),
    Train(Dataset),
}

/// Loads a data file and checks its width against the model's.
pub(crate) fn load_checked(path: &Path, m: usize, what: &str) -> Result<Dataset> {
    let data = Dataset::load(path)?;
    data.check_width(m, what)?;
    Ok(data)
}

/// Whether the estimator fills absent players from background rows (every SHAP method, and
/// LIME over switched players) rather than LIME's training statistics.
pub(crate) fn uses_background(estimator: &Estimator, players: &Players) -> bool {
    matches!(estimator, Estimator::Shap(_)) || players.switched()
}

/// Resolves the reference rows the estimator needs.
fn resolve_reference(
    req: &ExplainRequest,
    data: &Dataset,
    m: usize,
    players: &Players,
) -> Result<Reference> {
    if !uses_background(&req.estimator, players) {
        return Ok(Reference::Train(match &req.train {
            Some(p) => load_checked(p, m, "the training data")?,
            None => data.clone(),
        }));
    }
    let source = match (&req.estimator, &req.train) {
        (Estimator::Lime(_), Some(p)) => &load_checked(p, m, "the training data")?,
        _ => data,
    };
    Ok(Reference::Background(match &req.background {
        Some(path) => Background::from_dataset(&load_checked(path, m, "the background")?),
        None if req.background_size == 0 => {
            return Err(Error::param("background_size", "must be at least 1"))
        }
        None => Background::sample(source, req.background_size, req.estimator.seed()),
    }))
}

/// The request's estimator with named settings resolved against the data's feature names; on
/// image players `auto` is exact when every coalition fits the budget, else partition (shap's
/// default for images), and drops the tolerance neither applies (the request keeps it for the
/// report: [`build_meta`]).
pub(crate) fn resolve_estimator(
    req: &ExplainRequest,
    names: &[String],
    players: &Players,
) -> Result<Estimator> {
    match &req.estimator {
        Estimator::Shap(p) if p.method == ShapMethod::Auto && players.image.is_some() => {
            let exact = p.resolved(players.count(names.len())) == Method::Exact;
            Ok(Estimator::Shap(ShapParams {
                method: match exact {
                    true => ShapMethod::Exact,
                    false => ShapMethod::Partition,
                },
                tolerance: None,
                ..p.clone()
            }))
        }
        Estimator::Lime(p) if !req.categorical.is_empty() => Ok(Estimator::Lime(LimeParams {
            categorical: resolve_names("categorical", "feature", &req.categorical, names)?,
            ..p.clone()
        })),
        Estimator::Shap(_) if !req.categorical.is_empty() => {
            Err(Error::param("categorical", "applies to LIME only"))
        }
        e => Ok(e.clone()),
    }
}

/// A pool of `threads` worker threads (0 = all cores).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::param("threads", e.to_string()))
}

/// Runs the estimator over the selected rows `x` (data-file indices `rows`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_rows(
    estimator: &Estimator,
    model: &dyn Model,
    names: &[String],
    players: &Players,
    reference: &Reference,
    x: &Array2<f32>,
    rows: &[usize],
    progress: Option<&Progress>,
) -> Result<Explanation> {
    // Each row's superpixels are cut once, here, and its fill reuses them.
    let (own, segments) = match players.row_players(x.view(), names)? {
        Some(own) => (Some((own.groups, own.trees)), own.segments),
        None => (None, vec![]),
    };
    let fill = |i: usize, x: ArrayView1<f32>| players.fill_row(x, segments.get(i));
    match (estimator, reference) {
        (Estimator::Shap(p), Reference::Background(bg)) => {
            let mut shap = ShapExplainer::new(model, bg.rows.view())
                .params(p.clone())
                .feature_names(names.to_vec());
            if let Some(g) = &players.groups {
                shap = shap.groups(g.clone());
            }
            if let Some((groups, trees)) = own {
                shap = shap.row_groups(groups).row_hierarchies(trees);
            }
            if players.fills_rows() {
                shap = shap.row_background_at(&fill);
            }
            if let Some(segments) = players.image.as_ref().and_then(|i| i.segments.as_ref()) {
                shap = shap.hierarchy(Hierarchy::from(&segments.hierarchy()));
            }
            match progress {
                Some(hooks) => shap.progress(hooks).explain_indexed(x.view(), rows),
                None => shap.explain_indexed(x.view(), rows),
            }
        }
        (Estimator::Lime(p), reference) => {
            let reference_rows = match reference {
                Reference::Train(train) => train.values.view(),
                Reference::Background(bg) => bg.rows.view(),
            };
            let mut lime = LimeExplainer::new(model, reference_rows)
                .params(p.clone())
                .feature_names(names.to_vec());
            if let Some(g) = &players.groups {
                lime = lime.groups(g.clone());
            }
            if let Some((groups, _)) = own {
                lime = lime.row_groups(groups);
            }
            if players.fills_rows() {
                lime = lime.row_background_at(&fill);
            }
            match progress {
                Some(hooks) => lime.progress(hooks).explain_indexed(x.view(), rows),
                None => lime.explain_indexed(x.view(), rows),
            }
        }
        (Estimator::Shap(_), Reference::Train(_)) => Err(Error::Mismatch(
            "the reference rows do not suit the estimator".into(),
        )),
    }
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

/// Runs an explanation request and returns the report document.
pub fn run_explain(req: &ExplainRequest, progress: Option<&Progress>) -> Result<ExplanationFile> {
    let start = Instant::now();
    // Load.
    let onnx = load_model(&req.model, req.output_names.clone(), req.engine)?;
    let model = SelectOutputs::new(&onnx, &req.labels)?;
    let m = model.n_features();
    let data = load_checked(&req.data, m, "the data")?;
    let mut players = Players::resolve(req, &data.feature_names, &model.row_shape())?;
    let rows = parse_rows(req.rows.as_deref(), data.n_rows())?;
    let x = data.values.select(ndarray::Axis(0), &rows);
    players.fit_rows(x.outer_iter())?;
    let estimator = resolve_estimator(req, &data.feature_names, &players)?;
    estimator.check_players(players.count(m), players.kind())?;
    // Resolve.
    let reference = resolve_reference(req, &data, m, &players)?;
    // Run.
    let timed = Timed::new(&model);
    let pool = thread_pool(req.threads)?;
    let threads = pool.current_num_threads();
    let explaining = Instant::now();
    let explanation = pool.install(|| {
        run_rows(
            &estimator,
            &timed,
            &data.feature_names,
            &players,
            &reference,
            &x,
            &rows,
            progress,
        )
    })?;
    let timings = Timings {
        explain_seconds: explaining.elapsed().as_secs_f64(),
        write_seconds: 0.0,
        total_seconds: start.elapsed().as_secs_f64(),
        model_seconds: timed.seconds(),
        first_layer_seconds: timed.first_layer_seconds(),
        rows_per_second: rows.len() as f64 / start.elapsed().as_secs_f64().max(1e-9),
        threads,
    };
    // Report.
    let meta = Meta {
        engine: onnx.engine(),
        ..build_meta(
            req,
            &estimator,
            &model,
            players.count(m),
            &reference,
            explanation.method,
            explanation.evaluations.clone(),
            timings,
        )?
    };
    Ok(ExplanationFile::new(&explanation, meta))
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
    })
}
