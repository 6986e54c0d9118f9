//! Reports: the `explanations.json` file and, later, charts.

pub mod json;
pub mod summary;

pub use json::{ExplanationFile, Meta, Timings};
pub use summary::{summarize, OutputSummary};
