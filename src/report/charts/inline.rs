//! Charts as SVG text, for pages that embed them (the HTML report): the same drawings as the
//! PNG/SVG files, text kept as text.

use super::render::svg_string;
use super::{beeswarm, check_for_output, overlay, scatter, ImageShape};
use crate::error::Result;
use crate::report::ExplanationFile;
use std::path::Path;

/// Names the page in drawing errors.
const PAGE: &str = "report.html";

/// The beeswarm of output `k` over the rows of `sample`, saying when they are a sample of
/// `total_rows` drawn with `seed`.
pub fn beeswarm_svg(
    sample: &ExplanationFile,
    k: usize,
    top: usize,
    total_rows: usize,
) -> Result<String> {
    check_for_output(sample, k)?;
    let mut chart = beeswarm::Beeswarm::new(sample, k, top);
    if sample.values.len() < total_rows {
        chart.note_sample(sample.values.len(), total_rows, sample.meta.seed);
    }
    svg_string(&chart, Path::new(PAGE))
}

/// The dependence scatter of feature `j` for output `k`, coloured by its own value.
pub fn scatter_svg(file: &ExplanationFile, j: usize, k: usize) -> Result<String> {
    check_for_output(file, k)?;
    svg_string(&scatter::Scatter::new(file, j, k, None)?, Path::new(PAGE))
}

/// Row `row`'s attribution map for output `k` over its image, when rows are images of `shape`
/// and the row's players can be drawn on it; `None` otherwise.
pub fn overlay_svg(
    file: &ExplanationFile,
    row: usize,
    k: usize,
    shape: ImageShape,
) -> Option<String> {
    let segments = super::file_segments(file, row, &shape);
    overlay::check_overlay(file, row, &shape, segments.as_ref()).ok()?;
    let chart = overlay::Overlay::new(file, row, k, shape, segments.as_ref());
    svg_string(&chart, Path::new(PAGE)).ok()
}
