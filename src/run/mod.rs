//! Runs over rows in memory: a request's files ([`run_explain`]) or tables already loaded
//! ([`explain_dataset`], the library front the Python package calls), both set up by
//! [`prepare`] as the batch run is.

mod meta;
mod prepare;
mod reference;
mod source;

pub use meta::sha256_file;
pub(crate) use prepare::prepare;
#[cfg(test)]
pub(crate) use prepare::run_rows;
pub use prepare::{load_model, thread_pool, Prepared};
pub use reference::GivenTables;
pub(crate) use reference::Reference;
pub(crate) use source::{DataSource, InMemory};

use crate::data::Dataset;
use crate::error::Result;
use crate::explain::Progress;
use crate::model::{OnnxModel, Timed};
use crate::report::{ExplanationFile, Timings};
use crate::request::ExplainRequest;
use std::time::Instant;

/// Runs an explanation request over its files and returns the report document.
pub fn run_explain(req: &ExplainRequest, progress: Option<&Progress>) -> Result<ExplanationFile> {
    let start = Instant::now();
    let onnx = load_model(&req.model, req.output_names.clone(), req.engine)?;
    let data = Dataset::load(&req.data)?;
    explain_loaded(&onnx, req, &data, GivenTables::default(), progress, start)
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
    explain_loaded(onnx, req, data, given, progress, Instant::now())
}

/// [`explain_dataset`] timed from `start`.
fn explain_loaded(
    onnx: &OnnxModel,
    req: &ExplainRequest,
    data: &Dataset,
    given: GivenTables,
    progress: Option<&Progress>,
    start: Instant,
) -> Result<ExplanationFile> {
    let source = InMemory {
        data,
        shown: req.data.display().to_string(),
    };
    let p = prepare(onnx, req, &source, given, usize::MAX)?;
    let x = data.values.select(ndarray::Axis(0), &p.selection);
    let timed = Timed::new(&p.model);
    let explaining = Instant::now();
    let explanation = p.explain(&timed, &x, &p.selection, progress)?;
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
        rows_per_second: p.selection.len() as f64 / total.max(1e-9),
        threads: p.pool.current_num_threads(),
    };
    Ok(ExplanationFile::new(&explanation, meta))
}
