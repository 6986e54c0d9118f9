//! The library's error type: every failure names the file, row/column, node or option at fault.

use std::path::Path;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A single-line, user-facing error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The ONNX file cannot be read, parsed or run.
    #[error("{path}: {msg}")]
    Model { path: String, msg: String },
    /// A data file is malformed at a given place.
    #[error("{path}: line {line}, column {column}: {msg}")]
    DataCell {
        path: String,
        line: usize,
        column: String,
        msg: String,
    },
    /// A data file is malformed as a whole (empty, wrong width...).
    #[error("{path}: {msg}")]
    Data { path: String, msg: String },
    /// A bad option or an inconsistent combination of inputs.
    #[error("{0}")]
    Invalid(String),
    /// Model output contains NaN or infinity.
    #[error("model output is not finite ({0})")]
    NonFinite(String),
    /// An I/O failure on a named path.
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The user interrupted a long run.
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    /// An I/O error tagged with its path.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// A model error tagged with its path; the message is folded onto one line.
    pub fn model(path: impl AsRef<Path>, msg: impl std::fmt::Display) -> Self {
        Error::Model {
            path: path.as_ref().display().to_string(),
            msg: one_line(&msg.to_string()),
        }
    }

    /// A whole-file data error.
    pub fn data(path: impl AsRef<Path>, msg: impl Into<String>) -> Self {
        Error::Data {
            path: path.as_ref().display().to_string(),
            msg: msg.into(),
        }
    }
}

/// Folds a multi-line message (e.g. an error chain) onto one line.
pub fn one_line(msg: &str) -> String {
    msg.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}
