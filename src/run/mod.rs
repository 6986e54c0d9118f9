//! Runs over rows in memory: a request's files ([`run_explain`]) or tables already loaded
//! ([`explain_dataset`], the library front the Python package calls), both set up by
//! one `prepare` (checks, players, estimator, reference rows, meta) as the batch run is.

mod meta;
mod preflight;
mod prepare;
mod reference;
mod source;

pub use meta::sha256_file;
pub(crate) use prepare::prepare;
#[cfg(test)]
pub(crate) use prepare::run_rows;
pub(crate) use prepare::Prepared;
pub use prepare::{load_model, thread_pool};
pub use reference::GivenTables;
pub(crate) use reference::Reference;
pub(crate) use source::{DataSource, InMemory};

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::explain::Progress;
use crate::model::{OnnxModel, Timed};
use crate::report::{ExplanationFile, Timings};
use crate::request::ExplainRequest;
use std::time::Instant;

/// Runs an explanation request over its files and returns the report document.
pub fn run_explain(req: &ExplainRequest, progress: Option<&Progress>) -> Result<ExplanationFile> {
    let start = Instant::now();
    let onnx = load_model(&req.model, req.output_names.clone(), req.engine)?;
    let data = Dataset::load_columns(&req.data, req.features.as_deref())?;
    explain_loaded(
        &onnx,
        req,
        &data,
        GivenTables::default(),
        None,
        progress,
        start,
    )
}

/// Explains the rows of `data` (all, or `req.rows`) with the model `onnx` as `req` asks, with
/// reference tables given in memory or named by `req`; `req.model` and `req.data` only label
/// the report. Same seed and settings give the same values as [`run_explain`] and the CLI.
pub fn explain_dataset(
    onnx: &OnnxModel,
    data: &Dataset,
    given: GivenTables,
    req: &ExplainRequest,
    progress: Option<&Progress>,
) -> Result<ExplanationFile> {
    explain_loaded(onnx, req, data, given, None, progress, Instant::now())
}

/// [`explain_dataset`] over every row of `data`, the rows numbered `row_ids` (their indices in
/// a larger table explained piece by piece, e.g. Arrow batches of a Spark DataFrame): each
/// row's random stream is seeded by its number, so it gets the values one run over the whole
/// table gives it. The reference rows must then come from the whole table (`given`), not from
/// `data`; `req.rows` must be `None`.
pub fn explain_dataset_at(
    onnx: &OnnxModel,
    data: &Dataset,
    given: GivenTables,
    row_ids: &[usize],
    req: &ExplainRequest,
    progress: Option<&Progress>,
) -> Result<ExplanationFile> {
    if row_ids.len() != data.n_rows() {
        return Err(Error::Mismatch(format!(
            "{} row numbers for {} rows",
            row_ids.len(),
            data.n_rows()
        )));
    }
    if req.rows.is_some() {
        return Err(Error::param("rows", "rows are numbered by row_ids here"));
    }
    explain_loaded(
        onnx,
        req,
        data,
        given,
        Some(row_ids),
        progress,
        Instant::now(),
    )
}

/// [`explain_dataset`] timed from `start`, rows numbered `row_ids` when given.
fn explain_loaded(
    onnx: &OnnxModel,
    req: &ExplainRequest,
    data: &Dataset,
    given: GivenTables,
    row_ids: Option<&[usize]>,
    progress: Option<&Progress>,
    start: Instant,
) -> Result<ExplanationFile> {
    let source = InMemory {
        data,
        shown: req.data.display().to_string(),
    };
    let p = prepare(onnx, req, &source, given, usize::MAX)?;
    let x = data.values.select(ndarray::Axis(0), &p.selection);
    let rows = row_ids.unwrap_or(&p.selection);
    let timed = Timed::new(&p.model);
    let explaining = Instant::now();
    let explanation = p.explain(&timed, &x, rows, progress)?;
    let total = start.elapsed().as_secs_f64();
    let mut meta = p.meta.clone();
    meta.method = explanation.method;
    meta.evaluations_per_row = explanation.evaluations.clone();
    meta.timings = Timings {
        explain_seconds: explaining.elapsed().as_secs_f64(),
        write_seconds: 0.0,
        total_seconds: total,
        model_seconds: timed.seconds(),
        first_layer_seconds: timed.first_layer_seconds(),
        fused_seconds: timed.fused_seconds(),
        rows_per_second: p.selection.len() as f64 / total.max(1e-9),
        threads: p.pool.current_num_threads(),
    };
    let mut file = ExplanationFile::new(&explanation, meta);
    if let Some(text) = &p.players.text {
        file.tokens = file.data.iter().map(|r| text.tokens(r)).collect();
    }
    Ok(file)
}
