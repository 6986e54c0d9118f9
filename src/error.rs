//! The library's error type: every failure names the file, row/column, node or parameter at fault.
//!
//! Messages speak of library parameters (`samples`, `num_features`); the CLI renames them to its
//! flags. A variant's message never repeats its `#[source]`: [`report`] joins the chain on one line.

use crate::player_kind::PlayerKind;
use std::path::{Path, PathBuf};

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed underlying cause (tract, csv, serde, prost).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A single-line, user-facing error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The ONNX file cannot be read, parsed or run.
    #[error("{}: {context}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What failed (e.g. the node or the step).
        context: String,
        /// The engine's own error, if any.
        #[source]
        source: Option<Cause>,
    },
    /// A data file is malformed at a given cell.
    #[error("{}: line {line}, column {column}: {msg}", path.display())]
    DataCell {
        /// The data file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// 1-based column number and header name.
        column: String,
        /// What is wrong with the cell.
        msg: String,
    },
    /// A data file is malformed as a whole (empty, ragged, wrong width, bad header...).
    #[error("{}: {msg}", path.display())]
    Data {
        /// The data file.
        path: PathBuf,
        /// What is wrong.
        msg: String,
        /// The parser's own error, if any.
        #[source]
        source: Option<Cause>,
    },
    /// A budget too small for the estimator and the number of players.
    #[error(
        "samples = {samples} is too small for {estimator} on {}: give at least {minimum}",
        .players.count(*.features)
    )]
    Budget {
        /// The estimator's name.
        estimator: &'static str,
        /// The budget given.
        samples: usize,
        /// Players in play (features, or the groups, patches or superpixels of `players`).
        features: usize,
        /// The smallest budget that works.
        minimum: usize,
        /// What the players are.
        players: PlayerKind,
    },
    /// A parameter out of its range or not understood.
    #[error("{name}: {msg}")]
    Param {
        /// The library parameter (`samples`, `num_features`, `rows`...).
        name: &'static str,
        /// What is wrong with it.
        msg: String,
    },
    /// Inputs that do not fit together (widths, row counts, output names).
    #[error("{0}")]
    Mismatch(String),
    /// A chart that cannot be drawn from the explanation given.
    #[error("{0}")]
    Chart(String),
    /// Model output contains NaN or infinity.
    #[error("model output is not finite ({0})")]
    NonFinite(String),
    /// An I/O failure on a named path.
    #[error("{}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
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
            path: path.to_path_buf(),
            source,
        }
    }

    /// A model error without an underlying cause; the message is folded onto one line.
    pub fn model(path: impl AsRef<Path>, context: impl std::fmt::Display) -> Self {
        Error::Model {
            path: path.as_ref().to_path_buf(),
            context: one_line(&context.to_string()),
            source: None,
        }
    }

    /// A model error caused by the engine's own error.
    pub fn model_caused(
        path: impl AsRef<Path>,
        context: impl std::fmt::Display,
        source: impl Into<Cause>,
    ) -> Self {
        Error::Model {
            path: path.as_ref().to_path_buf(),
            context: one_line(&context.to_string()),
            source: Some(source.into()),
        }
    }

    /// A whole-file data error.
    pub fn data(path: impl AsRef<Path>, msg: impl Into<String>) -> Self {
        Error::Data {
            path: path.as_ref().to_path_buf(),
            msg: msg.into(),
            source: None,
        }
    }

    /// A whole-file data error caused by a parser's error.
    pub fn data_caused(
        path: impl AsRef<Path>,
        msg: impl Into<String>,
        source: impl Into<Cause>,
    ) -> Self {
        Error::Data {
            path: path.as_ref().to_path_buf(),
            msg: msg.into(),
            source: Some(source.into()),
        }
    }

    /// A parameter error.
    pub fn param(name: &'static str, msg: impl Into<String>) -> Self {
        Error::Param {
            name,
            msg: msg.into(),
        }
    }

    /// The message of a parameter error without the parameter's name (the whole message for
    /// other errors), for errors that a file rather than a parameter caused.
    pub fn param_message(&self) -> String {
        match self {
            Error::Param { msg, .. } => msg.clone(),
            other => other.to_string(),
        }
    }
}

/// The whole chain of an error on one line: each cause once, joined by `: `.
pub fn report(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = one_line(&err.to_string());
    let mut cause = err.source();
    while let Some(c) = cause {
        let text = one_line(&c.to_string());
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = c.source();
    }
    line
}

/// Folds a multi-line message (e.g. an error chain) onto one line.
pub fn one_line(msg: &str) -> String {
    msg.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// Shortens text quoted in a message to at most `max` characters.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{head}…")
}
