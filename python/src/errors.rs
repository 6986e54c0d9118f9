//! The library's errors as Python exceptions: `ModelError`, `DataError`, `ValueError` for bad
//! options, `KeyboardInterrupt` for a stopped run; each with the library's one-line message.

use onnx_inspector::error::report;
use onnx_inspector::Error;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::{create_exception, PyErr};

create_exception!(
    _native,
    ModelError,
    PyException,
    "The ONNX model cannot be read, parsed or run, or its output is not finite."
);
create_exception!(
    _native,
    DataError,
    PyException,
    "Rows, background or training data that the model cannot take (width, names, dtype, NaN/inf)."
);

/// The Python exception for a library error.
pub fn to_py(e: Error) -> PyErr {
    let msg = report(&e);
    match e {
        Error::Model { .. } | Error::NonFinite(_) => ModelError::new_err(msg),
        Error::DataCell { .. } | Error::Data { .. } | Error::Mismatch(_) => DataError::new_err(msg),
        Error::Io { .. } => PyOSError::new_err(msg),
        Error::Interrupted => PyKeyboardInterrupt::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

/// A panic caught in the worker thread, as a `RuntimeError` (never a crash of the interpreter).
pub fn panicked(payload: Box<dyn std::any::Any + Send>) -> PyErr {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    PyRuntimeError::new_err(format!(
        "onnx-inspector internal error (please report): {what}"
    ))
}
