//! A library report as a dict of numpy arrays and names, which the Python layer turns into a
//! `shap.Explanation` or an `onnx_inspector.Explanation`.

use crate::charts::Report;
use ndarray::{Array2, Array3};
use numpy::IntoPyArray;
use onnx_inspector::report::ExplanationFile;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// `[n][a][b]` nested rows as one `n x a x b` array (`a`, `b` from the first row).
fn cube(rows: &[Vec<Vec<f64>>]) -> Array3<f64> {
    let a = rows.first().map_or(0, Vec::len);
    let b = rows.first().and_then(|r| r.first()).map_or(0, Vec::len);
    let flat: Vec<f64> = rows.iter().flatten().flatten().copied().collect();
    Array3::from_shape_vec((rows.len(), a, b), flat).expect("rectangular by construction")
}

/// `[n][a]` nested rows as one `n x a` array.
fn matrix<T: Copy>(rows: &[Vec<T>]) -> Array2<T> {
    let a = rows.first().map_or(0, Vec::len);
    let flat: Vec<T> = rows.iter().flatten().copied().collect();
    Array2::from_shape_vec((rows.len(), a), flat).expect("rectangular by construction")
}

/// The fields of `f` Python needs: values `[n,P,K]`, base values and predictions `[n,K]`,
/// standard errors `[n,P,K]` or `None`, data `[n,M]`, names, row indices, `meta` as JSON and
/// the run itself as a [`Report`] for charts.
pub fn to_dict<'py>(py: Python<'py>, f: ExplanationFile) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("values", cube(&f.values).into_pyarray(py))?;
    d.set_item("base_values", matrix(&f.base_values).into_pyarray(py))?;
    d.set_item("predictions", matrix(&f.predictions).into_pyarray(py))?;
    d.set_item(
        "stderr",
        f.stderr.as_deref().map(|s| cube(s).into_pyarray(py)),
    )?;
    d.set_item("data", matrix(&f.data).into_pyarray(py))?;
    d.set_item("feature_names", f.feature_names.clone())?;
    d.set_item("output_names", f.output_names.clone())?;
    d.set_item("input_names", f.input_names.clone())?;
    d.set_item(
        "row_indices",
        f.row_indices
            .iter()
            .map(|&i| i as u64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item("method", f.meta.method.to_string())?;
    d.set_item(
        "meta",
        serde_json::to_string(&f.meta).unwrap_or_else(|_| "{}".into()),
    )?;
    d.set_item("report", Py::new(py, Report { file: f })?)?;
    Ok(d)
}
