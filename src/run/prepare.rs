//! One setup for every run: load and check what a request names, resolve its players, estimator
//! and reference rows, and record its metadata, before any row is explained or any file written.
//! The in-memory run ([`super::run_explain`], [`super::explain_dataset`]) and the batch run
//! ([`crate::batch::run_batch`]) both start here.

use super::meta::build_meta;
use super::preflight::{check_memory, RunSize};
use super::reference::{resolve_reference, GivenTables, Reference};
use super::source::DataSource;
use crate::data::parse_rows;
use crate::error::{Error, Result};
use crate::explain::{
    Estimator, Explainer, Explanation, Hierarchy, LimeExplainer, LimeParams, Method, Progress,
    ShapExplainer, ShapMethod, ShapParams,
};
use crate::model::{resolve_names, Engine, InputType, Model, OnnxModel, SelectOutputs};
use crate::players::{input_groups, Players};
use crate::report::{Meta, Timings};
use crate::request::{ExplainRequest, GroupsSource};
use ndarray::{Array2, ArrayView1};
use std::path::Path;

/// A checked request, ready to explain rows: everything a run needs that does not depend on
/// which rows it explains.
pub(crate) struct Prepared<'m> {
    /// The model with the request's outputs selected.
    pub model: SelectOutputs<'m>,
    /// The data's feature names.
    pub names: Vec<String>,
    /// Rows in the data.
    pub total: usize,
    /// Data-file indices of the rows to explain, in order.
    pub selection: Vec<usize>,
    /// Who the players are and what fills absent ones.
    pub(crate) players: Players,
    /// The estimator with `auto` and named settings resolved.
    pub estimator: Estimator,
    /// Background rows or LIME's training statistics.
    pub(crate) reference: Reference,
    /// The worker threads.
    pub pool: rayon::ThreadPool,
    /// The run's metadata (timings and evaluations filled in by the run).
    pub meta: Meta,
}

/// Checks `req` and sets up its run over `data` with the model `onnx` (loaded by
/// [`load_model`]); `chunk` bounds the rows read at once when players are fitted to the rows.
pub(crate) fn prepare<'m>(
    onnx: &'m OnnxModel,
    req: &ExplainRequest,
    data: &dyn DataSource,
    given: GivenTables,
    chunk: usize,
) -> Result<Prepared<'m>> {
    req.check()?;
    let model = SelectOutputs::new(onnx, &req.labels)?;
    let m = model.n_features();
    let width = onnx.input_layout().row_width();
    let (names, total) = data.columns(&width)?;
    let names = onnx.input_layout().name_columns(names);
    let by_input;
    let req = match req.groups {
        Some(GroupsSource::Inputs) => {
            by_input = ExplainRequest {
                groups: Some(input_groups(&width, &names)?),
                ..req.clone()
            };
            &by_input
        }
        _ => req,
    };
    let mut players = Players::resolve(req, &names, &model.row_shape())?;
    let selection = parse_rows(req.rows.as_deref(), total)?;
    if players.text.is_some() && onnx.input_type() == InputType::Float32 {
        return Err(Error::param(
            "text",
            "text players need token ids: the model's input is float32, not integer",
        ));
    }
    if players.per_row() {
        let mut at = 0;
        data.for_each_chunk(&selection, chunk, &mut |x| {
            players.fit_text_rows(x.view(), &selection[at..], &names)?;
            at += x.nrows();
            players.fit_rows(x.outer_iter())
        })?;
    }
    let estimator = resolve_estimator(req, &names, &players)?;
    let n_players = players.count(m);
    estimator.check_players(n_players, players.kind())?;
    let reference = resolve_reference(req, &estimator, &players, data, total, &width, given)?;
    let pool = thread_pool(req.threads)?;
    let size = RunSize {
        features: m,
        players: n_players,
        outputs: model.output_names().len(),
        threads: pool.current_num_threads(),
        chunk_rows: chunk,
    };
    check_memory(&estimator, selection.len(), &size)?;
    let mut meta = build_meta(
        req,
        &estimator,
        &model,
        n_players,
        &reference,
        estimator.method(n_players),
        vec![],
        Timings::default(),
    )?;
    meta.data = data.shown();
    meta.engine = onnx.engine();
    Ok(Prepared {
        model,
        names,
        total,
        selection,
        players,
        estimator,
        reference,
        pool,
        meta,
    })
}

impl Prepared<'_> {
    /// Number of players.
    pub fn n_players(&self) -> usize {
        self.players.count(self.model.n_features())
    }

    /// The method the estimator runs.
    pub fn method(&self) -> Method {
        self.estimator.method(self.n_players())
    }

    /// Explains rows `x` (data-file indices `rows`) on the run's threads, calling `model`
    /// (the run's model, possibly wrapped to time it).
    pub(crate) fn explain(
        &self,
        model: &dyn Model,
        x: &Array2<f32>,
        rows: &[usize],
        progress: Option<&Progress>,
    ) -> Result<Explanation> {
        self.pool.install(|| {
            run_rows(
                &self.estimator,
                model,
                &self.names,
                &self.players,
                &self.reference,
                x,
                rows,
                progress,
            )
        })
    }
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

/// The request's estimator with named settings resolved against the data's feature names; on
/// image players `auto` is exact when every coalition fits the budget, else partition (shap's
/// default for images), on text players partition over token spans (shap's Text masker), and
/// drops the tolerance neither applies (the request keeps it for the report: [`build_meta`]).
pub(crate) fn resolve_estimator(
    req: &ExplainRequest,
    names: &[String],
    players: &Players,
) -> Result<Estimator> {
    match &req.estimator {
        Estimator::Shap(p)
            if p.method == ShapMethod::Auto
                && (players.image.is_some() || players.text.is_some()) =>
        {
            let exact =
                players.text.is_none() && p.resolved(players.count(names.len())) == Method::Exact;
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
