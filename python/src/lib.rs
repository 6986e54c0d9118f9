//! `onnx_inspector._native`: the Rust library behind the `onnx_inspector` Python package.
//!
//! The Python layer (`onnx_inspector/*.py`) turns numpy, pandas and Arrow tables into float32
//! matrices with names and calls [`explain`] here; this crate only converts, releases the GIL
//! and maps errors: loading, background sampling, `auto` and every estimator are the library's,
//! so the same seed and options give the CLI's values.

mod charts;
mod errors;
mod options;
mod result;
mod run;
mod tables;
mod watch;

use errors::{to_py, DataError, ModelError};
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use onnx_inspector::model::{Engine, Model as _, OnnxModel};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::Arc;

/// An ONNX model loaded for explaining: `Model(path, engine="auto", output_names=None)`.
#[pyclass(module = "onnx_inspector._native", frozen)]
struct Model {
    inner: Arc<OnnxModel>,
    path: PathBuf,
}

#[pymethods]
impl Model {
    #[new]
    #[pyo3(signature = (path, engine = "auto", output_names = None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        engine: &str,
        output_names: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let engine: Engine = serde_json::from_value(serde_json::Value::String(engine.into()))
            .map_err(|_| {
                PyValueError::new_err(format!(
                    "engine: '{engine}' is not one of auto, tract, dense, conv, ort"
                ))
            })?;
        let loaded = watch::watched(py, None, |_| run::load(&path, output_names, engine))?;
        Ok(Model {
            inner: Arc::new(loaded),
            path,
        })
    }

    /// The model file.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Names of the graph's inputs.
    #[getter]
    fn input_names(&self) -> Vec<String> {
        self.inner
            .info()
            .inputs
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    /// Each graph input as `(name, dtype, shape without the batch, first column, end column)`:
    /// a row is every input's flattened values side by side, in this order.
    #[getter]
    fn input_layout(&self) -> Vec<(String, String, Vec<usize>, usize, usize)> {
        self.inner
            .input_layout()
            .inputs
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    i.dtype.name().to_string(),
                    i.shape.clone(),
                    i.columns.start,
                    i.columns.end,
                )
            })
            .collect()
    }

    /// Names of the output columns (one per output value of a row).
    #[getter]
    fn output_names(&self) -> Vec<String> {
        self.inner.output_names().to_vec()
    }

    /// Width of one flattened input row.
    #[getter]
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }

    /// What the file declares and how it runs, as JSON (`engine`: the engine in use).
    fn info_json(&self) -> String {
        serde_json::to_string(self.inner.info()).unwrap_or_else(|_| "{}".into())
    }

    /// Model outputs for float32 rows `[n, n_features]`.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let x = x.as_array().as_standard_layout().into_owned();
        let model = &self.inner;
        let y = watch::watched(py, None, |_| model.predict(x.view()))?;
        Ok(y.into_pyarray(py))
    }
}

/// Explains float32 rows `x` named `names` (labelled `label` in messages and metadata).
/// `background`/`train`: `(rows, names)` tables; `row_ids`: the rows' indices in the whole
/// table (they seed each row as the CLI does; default 0..n); `progress(done, total)` is called
/// about every 100 ms; `options` as `onnx_inspector.explain`.
#[pyfunction]
#[pyo3(signature = (model, x, names, label, background = None, train = None, row_ids = None, progress = None, **options))]
#[allow(clippy::too_many_arguments)]
fn explain<'py>(
    py: Python<'py>,
    model: &Model,
    x: PyReadonlyArray2<'py, f32>,
    names: Vec<String>,
    label: &str,
    background: Option<(PyReadonlyArray2<'py, f32>, Vec<String>)>,
    train: Option<(PyReadonlyArray2<'py, f32>, Vec<String>)>,
    row_ids: Option<Vec<usize>>,
    progress: Option<Bound<'py, PyAny>>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let empty = PyDict::new(py);
    let req = options::request(model.path.clone(), label, options.unwrap_or(&empty))?;
    let data = tables::dataset(&x, names, label).map_err(to_py)?;
    let table = |t: Option<(PyReadonlyArray2<'py, f32>, Vec<String>)>, what: &str| {
        t.map(|(a, n)| tables::dataset(&a, n, what).map_err(to_py))
            .transpose()
    };
    let background = table(background, "background")?;
    let train = table(train, "train")?;
    let onnx = &model.inner;
    let file = watch::watched(py, progress.as_ref(), |hooks| {
        run::explain(
            onnx,
            &data,
            background.as_ref(),
            train.as_ref(),
            &req,
            row_ids.as_deref(),
            Some(hooks),
        )
    })?;
    result::to_dict(py, file)
}

/// `n` distinct row positions out of `total`, sorted: the background sample the CLI takes with
/// `seed` when no background file is given.
#[pyfunction]
fn sample_rows(total: usize, n: usize, seed: u64) -> Vec<usize> {
    onnx_inspector::data::sample_rows(total, n, seed)
}

/// The package's native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Model>()?;
    m.add_class::<charts::Report>()?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(sample_rows, m)?)?;
    m.add("ModelError", m.py().get_type::<ModelError>())?;
    m.add("DataError", m.py().get_type::<DataError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
