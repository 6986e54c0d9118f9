//! One self-contained `report.html`: model card, run settings, global importance with
//! confidence intervals, beeswarm, dependence scatters, a sortable and filterable table of rows
//! (each row's waterfall with error bars, force line and image overlay on click), and cohort
//! comparison. No network request: charts are inline SVG, the script and style are embedded.
//!
//! Large runs are summarised: at most [`MAX_ROWS`] rows are in the table (the first
//! [`crate::report::charts::MAX_DEFAULT_WATERFALLS`] and a seeded sample), the beeswarm and
//! scatters draw at most [`MAX_DOTS`] of them, and the page says so.

mod importance;
mod page;
mod payload;
mod sample;

pub use importance::{importance, Importance, BOOTSTRAP_RESAMPLES};
pub use payload::{label_kind, LabelKind, ROW_TOP};

use crate::atomic::write_bytes_atomic;
use crate::error::{Error, Result};
use crate::report::charts::{self, check_file, ImageShape, MAX_DEFAULT_WATERFALLS};
use crate::report::ExplanationFile;
use std::path::Path;

/// Most rows in the page's table.
pub const MAX_ROWS: usize = 2000;
/// Most rows drawn as dots in the beeswarm and each scatter.
pub const MAX_DOTS: usize = 1000;
/// Rows whose image overlay the page embeds (the first ones; about 150 kB each as SVG).
pub const MAX_OVERLAYS: usize = 8;
/// Features with a dependence scatter.
pub const SCATTERS: usize = 4;
/// Features in the beeswarm.
pub const BEESWARM_TOP: usize = 12;

/// What a report is made of.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The explained rows at hand (all of them, or the first rows and a sample of a large run)
    /// with the run's summary and metadata.
    pub file: &'a ExplanationFile,
    /// Rows in the whole run.
    pub total_rows: usize,
    /// Labels of the data file's rows (indexed by data-file row), when given.
    pub labels: Option<&'a [f64]>,
    /// The model card (`info`'s text), when the model could be read.
    pub model_card: Option<&'a str>,
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportStats {
    /// Bytes of the page.
    pub bytes: usize,
    /// Rows in its table.
    pub rows: usize,
}

/// Writes the page to `path` atomically.
pub fn write_report(input: &ReportInput, path: &Path) -> Result<ReportStats> {
    let html = render_report(input)?;
    write_bytes_atomic(path, html.as_bytes())?;
    Ok(ReportStats {
        bytes: html.len(),
        rows: input.file.values.len().min(MAX_ROWS),
    })
}

/// The page as text.
pub fn render_report(input: &ReportInput) -> Result<String> {
    let file = input.file;
    check_file(file)?;
    if let Some(labels) = input.labels {
        if let Some(&r) = file.row_indices.iter().find(|&&r| r >= labels.len()) {
            return Err(Error::param(
                "labels_file",
                format!(
                    "has {} labels, but row {r} of the data was explained (one label per data row)",
                    labels.len()
                ),
            ));
        }
    }
    let n = file.values.len();
    let shown = sample::rows(n, MAX_ROWS, MAX_DEFAULT_WATERFALLS, file.meta.seed);
    let shape = ImageShape::from_row_shape(&file.meta.row_shape);
    let mut overlays = Vec::new();
    let mut overlay_svgs = Vec::new();
    if let Some(shape) = shape {
        for r in 0..n.min(MAX_OVERLAYS) {
            let k = charts::predicted_output(file, r);
            if let Some(svg) = charts::overlay_svg(file, r, k, shape) {
                overlays.push(file.row_indices[r]);
                overlay_svgs.push((file.row_indices[r], svg));
            }
        }
    }
    let payload = payload::build(input, &shown, overlays);
    let k = charts::main_output(file);
    let dots = sample::subset(file, &sample::rows(n, MAX_DOTS, 0, file.meta.seed));
    let mut figures = Vec::new();
    if file.row_groups.is_none() {
        figures.push(charts::beeswarm_svg(
            &dots,
            k,
            BEESWARM_TOP,
            input.total_rows,
        )?);
    }
    let scatters = charts::scatter_features(file, k, SCATTERS)
        .into_iter()
        .map(|j| charts::scatter_svg(&dots, j, k))
        .collect::<Result<Vec<_>>>()?;
    Ok(page::render(&page::Parts {
        input,
        payload: &payload,
        shown_rows: shown.len(),
        dot_rows: dots.values.len(),
        main_output: k,
        beeswarm: figures.pop(),
        scatters,
        overlays: overlay_svgs,
    }))
}
