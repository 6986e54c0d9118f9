//! The one place the binding calls the library's run front: load a model, explain tables in memory.

use onnx_inspector::data::Dataset;
use onnx_inspector::explain::Progress;
use onnx_inspector::model::{Engine, OnnxModel};
use onnx_inspector::report::ExplanationFile;
use onnx_inspector::run::load_model;
use onnx_inspector::Result;
use onnx_inspector::{explain_dataset, explain_dataset_at, ExplainRequest, GivenTables};
use std::path::Path;

/// Loads a model for `engine` with output names replaced if given.
pub fn load(path: &Path, output_names: Option<Vec<String>>, engine: Engine) -> Result<OnnxModel> {
    load_model(path, output_names, engine)
}

/// Explains `data` as `req` asks, with reference tables given in memory or sampled by the
/// library; rows are numbered `row_ids` (their indices in the whole table) or 0, 1, 2...
pub fn explain(
    onnx: &OnnxModel,
    data: &Dataset,
    background: Option<&Dataset>,
    train: Option<&Dataset>,
    req: &ExplainRequest,
    row_ids: Option<&[usize]>,
    progress: Option<&Progress>,
) -> Result<ExplanationFile> {
    let given = GivenTables { background, train };
    match row_ids {
        None => explain_dataset(onnx, data, given, req, progress),
        Some(ids) => explain_dataset_at(onnx, data, given, ids, req, progress),
    }
}
