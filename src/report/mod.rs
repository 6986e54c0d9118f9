//! Reports: the `explanations.json` file, its charts, and the one-page HTML report.

pub mod charts;
pub mod html;
pub(crate) mod interactions;
pub mod json;
pub mod row_result;
pub mod summary;

pub use charts::{write_default_charts, Format as ChartFormat};
pub use json::{ExplanationFile, FileHead, Meta, Timings};
pub use row_result::RowResult;
pub use summary::{summarize, summarize_counted, summarize_sums, OutputSummary};
