//! The library's charts from a run kept on the Python side (`oi.plots`).

use crate::errors::to_py;
use onnx_inspector::report::charts::{
    self, Format, DEFAULT_TOP_BAR, DEFAULT_TOP_GLOBAL, DEFAULT_TOP_WATERFALL, MAX_IMAGE_ROWS,
};
use onnx_inspector::report::ExplanationFile;
use onnx_inspector::Error;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::PathBuf;

/// A finished run as the library holds it, for charts.
#[pyclass(module = "onnx_inspector._native", frozen)]
pub struct Report {
    pub file: ExplanationFile,
}

#[pymethods]
impl Report {
    /// Writes chart `kind` (waterfall, bar, global_bar, beeswarm, image) to `path`; `row` and
    /// `output` (index or name; default the row's predicted output) pick what is drawn.
    #[pyo3(signature = (kind, path, row = 0, output = None, top = None, svg = false))]
    #[allow(clippy::too_many_arguments)]
    fn chart(
        &self,
        py: Python<'_>,
        kind: &str,
        path: PathBuf,
        row: usize,
        output: Option<String>,
        top: Option<usize>,
        svg: bool,
    ) -> PyResult<()> {
        let file = &self.file;
        let format = if svg { Format::Svg } else { Format::Png };
        if top == Some(0) {
            return Err(PyValueError::new_err("top: must be at least 1"));
        }
        let output = output
            .map(|s| charts::resolve_output(file, &s))
            .transpose()
            .map_err(to_py)?;
        let draw = || -> Result<(), Error> {
            charts::check_file(file)?;
            charts::check_row(file, row)?;
            let k = output.unwrap_or_else(|| charts::predicted_output(file, row));
            match kind {
                "waterfall" => charts::write_waterfall(
                    file,
                    row,
                    k,
                    top.unwrap_or(DEFAULT_TOP_WATERFALL),
                    &path,
                    format,
                ),
                "bar" => {
                    charts::write_bar(file, row, k, top.unwrap_or(DEFAULT_TOP_BAR), &path, format)
                }
                "global_bar" => charts::write_global_bar(
                    file,
                    output,
                    top.unwrap_or(DEFAULT_TOP_GLOBAL),
                    &path,
                    format,
                ),
                "beeswarm" => charts::write_beeswarm(
                    file,
                    k,
                    top.unwrap_or(DEFAULT_TOP_GLOBAL),
                    &path,
                    format,
                ),
                "image" => {
                    let rows: Vec<usize> = (row..file.values.len()).take(MAX_IMAGE_ROWS).collect();
                    charts::write_image(file, &rows, k, None, &path, format)
                }
                other => Err(Error::param(
                    "kind",
                    format!("'{other}' is not one of waterfall, bar, global_bar, beeswarm, image"),
                )),
            }
        };
        py.detach(draw).map_err(to_py)
    }
}
