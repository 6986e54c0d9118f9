//! Charts of an `explanations.json`: waterfall, bar, force, global bar, beeswarm, dependence
//! scatter, heatmap, cohorts and image heatmaps, drawn headless with plotters into PNG (default) or SVG files.
//!
//! - One palette ([`palette`]): red raises the output, blue lowers it; feature values run blue
//!   (low) to red (high); attribution maps blue–white–red, centred at 0 with symmetric limits.
//! - Text uses the embedded DejaVu Sans ([`fonts`]); no system font is looked up.
//! - Deterministic: the same file gives the same bytes (no randomness; the beeswarm spreads dots
//!   by rank within x bins). Non-finite numbers are an error, never a chart.
//! - Feature names longer than [`style::MAX_NAME_CHARS`] are cut with an ellipsis; charts show
//!   the top features and sum the rest into one "N other features" row, so 100+ features fit.
//! - Files are written atomically (temporary file beside the target, then rename).
//!
//! [`write_default_charts`] writes the standard set; the `write_*` functions draw one chart each.

mod bar;
mod beeswarm;
mod cohorts;
mod colorbar;
pub mod fonts;
mod force;
mod global_bar;
mod heatmap;
mod history;
mod image;
mod inline;
mod interaction_heatmap;
mod overlay;
pub mod palette;
mod png_encode;
mod render;
mod rows;
mod scatter;
mod select;
mod sequence;
pub mod style;
mod text;
mod typeset;
mod waterfall;

pub use cohorts::{cohort_mean, CohortSplit, SplitOn};
pub use force::FORCE_SIZE;
pub use heatmap::{order_rows, RowOrder, MAX_HEATMAP_ROWS};
pub use history::{write_history, EpochPoint};
pub use image::{image_grid_size, ImageShape, MAX_IMAGE_ROWS};
pub(crate) use inline::{beeswarm_svg, overlay_svg, scatter_svg};
pub use overlay::overlay_size;
pub use rows::{data_row, row_position};
pub use scatter::{SCATTER_HEIGHT, SCATTER_WIDTH};
pub use select::{main_output, resolve_feature, resolve_output, scatter_features};
pub use sequence::SequenceLayout;

use crate::data::image::Segments;
use crate::error::{Error, Result};
use crate::report::ExplanationFile;
use std::path::{Path, PathBuf};

/// Features shown individually by a waterfall by default.
pub const DEFAULT_TOP_WATERFALL: usize = 12;
/// Features shown individually by a bar chart by default.
pub const DEFAULT_TOP_BAR: usize = 15;
/// Features shown individually by global bar and beeswarm charts by default.
pub const DEFAULT_TOP_GLOBAL: usize = 20;
/// Features that get a dependence scatter by default.
pub const DEFAULT_TOP_SCATTER: usize = 4;
/// Rows that get a default waterfall.
pub const MAX_DEFAULT_WATERFALLS: usize = 20;

/// Chart file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// PNG bitmap.
    #[default]
    Png,
    /// SVG vector drawing.
    Svg,
}

impl Format {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// Options of [`write_default_charts_with`].
#[derive(Debug, Clone, Default)]
pub struct ChartOptions {
    /// File format.
    pub format: Format,
    /// Features shown individually (default: per chart kind).
    pub top: Option<usize>,
    /// Image shape for flat inputs (default: `meta.row_shape` when it has 3 dimensions).
    pub image_shape: Option<ImageShape>,
}

/// Which rows and features a chart may show; every entry point checks the file first.
pub fn check_file(file: &ExplanationFile) -> Result<()> {
    file.validate().map_err(Error::Chart)?;
    if let (true, Some(dir)) = (file.values.is_empty(), &file.attributions) {
        return Err(Error::Chart(format!(
            "this explanations.json keeps only the summary: its rows are in the Parquet dataset \
             '{dir}' beside it, which plot does not read; explain drew the global bar, the \
             beeswarm (of a sample) and the first rows' waterfalls when it ran (or rerun explain \
             with a larger --json-rows)"
        )));
    }
    if file.values.is_empty() {
        return Err(Error::Chart("the file explains no rows".into()));
    }
    if file.feature_names.is_empty() || file.output_names.is_empty() {
        return Err(Error::Chart(
            "the file has no features or no outputs".into(),
        ));
    }
    let bad = |name: &str| {
        Err(Error::Chart(format!(
            "'{name}' holds NaN or infinite numbers; cannot chart them"
        )))
    };
    if !file.data.iter().flatten().all(|v| v.is_finite()) {
        return bad("data");
    }
    if !file.base_values.iter().flatten().all(|v| v.is_finite()) {
        return bad("base_values");
    }
    if !file.predictions.iter().flatten().all(|v| v.is_finite()) {
        return bad("predictions");
    }
    if let Some(se) = &file.stderr {
        if !se
            .iter()
            .flatten()
            .flatten()
            .all(|v| v.is_finite() && *v >= 0.0)
        {
            return bad("stderr");
        }
    }
    Ok(())
}

/// Fails when `index` is not below `count`, naming what was asked for and what exists.
fn check_index(what: &str, index: usize, count: usize, holds: &str) -> Result<()> {
    if index >= count {
        return Err(Error::Chart(format!(
            "{what} {index} is out of range: the file {holds} {count} {what}s (0 to {})",
            count.saturating_sub(1)
        )));
    }
    Ok(())
}

/// Checks that `row` is a position in the file's rows (see [`row_position`] for a data-file
/// row index).
pub fn check_row(file: &ExplanationFile, row: usize) -> Result<()> {
    check_index("row", row, file.values.len(), "explains")
}

/// Checks the file, and that `row` and `output` exist in it.
fn check_cell(file: &ExplanationFile, row: usize, output: usize) -> Result<()> {
    check_for_output(file, output)?;
    check_row(file, row)
}

/// Checks the file, and that `output` exists in it.
fn check_for_output(file: &ExplanationFile, output: usize) -> Result<()> {
    check_file(file)?;
    check_output(file, output)
}

/// Checks that `output` is an output index of the file.
pub fn check_output(file: &ExplanationFile, output: usize) -> Result<()> {
    check_index("output", output, file.output_names.len(), "has")
}

/// The output a row is explained for by default: its largest prediction (0 for one output).
pub fn predicted_output(file: &ExplanationFile, row: usize) -> usize {
    let p = &file.predictions[row];
    (0..p.len())
        .max_by(|&a, &b| p[a].total_cmp(&p[b]).then(b.cmp(&a)))
        .unwrap_or(0)
}

/// Mean |φ| of every feature for output `k`, over all rows (the file's summary).
pub(crate) fn mean_abs(file: &ExplanationFile, k: usize) -> Vec<f64> {
    file.summary[k].mean_abs.clone()
}

pub(crate) use crate::explain::rank_desc as ranking;

/// How many of `m` features are shown individually when at most `top` are: all of them when
/// only one would be left over (a "1 other feature" row says nothing).
pub fn shown_features(m: usize, top: usize) -> usize {
    let top = top.max(1);
    if m <= top + 1 {
        m
    } else {
        top
    }
}

/// Rows of a chart showing `shown` of `m` features: one more for the rest when any is left.
pub fn chart_rows(m: usize, top: usize) -> usize {
    let s = shown_features(m, top);
    s + usize::from(s < m)
}

/// Label of the row summing the features not shown.
pub(crate) fn others_label(count: usize) -> String {
    format!("{count} other features")
}

/// Writes a waterfall of one row and output: from E[f(X)] through the `top` largest
/// contributions (the rest summed) to f(x), with ±1 standard error bars when known.
pub fn write_waterfall(
    file: &ExplanationFile,
    row: usize,
    output: usize,
    top: usize,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_cell(file, row, output)?;
    render::save(
        &waterfall::Waterfall::new(file, row, output, top),
        path,
        format,
    )
}

/// Writes the signed attributions of the `top` largest features of one row and output.
pub fn write_bar(
    file: &ExplanationFile,
    row: usize,
    output: usize,
    top: usize,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_cell(file, row, output)?;
    render::save(&bar::Bar::new(file, row, output, top), path, format)
}

/// Charts of one row and output that sequence and text rows add to a waterfall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowChart {
    /// Time × feature heatmap of per-cell φ (`time_heatmap_row{r}_out{k}`).
    TimeHeatmap,
    /// φ per time step or window, in time order (`steps_row{r}_out{k}`).
    Steps,
    /// Words coloured by φ (`text_row{r}_out{k}`).
    Text,
}

impl RowChart {
    /// The file-name stem of the chart.
    pub fn stem(self) -> &'static str {
        match self {
            RowChart::TimeHeatmap => "time_heatmap",
            RowChart::Steps => "steps",
            RowChart::Text => "text",
        }
    }

    /// The row charts `file` gets by default: time heatmap and steps for sequence rows
    /// explained cell by cell, steps for time or window players, text for a run with words.
    pub fn defaults(file: &ExplanationFile) -> Vec<RowChart> {
        match (SequenceLayout::of(file), &file.tokens) {
            (Some(SequenceLayout::Cells { .. }), _) => vec![RowChart::TimeHeatmap, RowChart::Steps],
            (Some(SequenceLayout::Steps { .. }), _) => vec![RowChart::Steps],
            (None, Some(_)) => vec![RowChart::Text],
            (None, None) => vec![],
        }
    }
}

/// Writes row chart `kind` of row `row` (position in the file) and output `output`.
pub fn write_row_chart(
    file: &ExplanationFile,
    kind: RowChart,
    row: usize,
    output: usize,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_cell(file, row, output)?;
    match kind {
        RowChart::TimeHeatmap => render::save(
            &sequence::TimeHeatmap::new(file, row, output)?,
            path,
            format,
        ),
        RowChart::Steps => render::save(&sequence::StepBar::new(file, row, output)?, path, format),
        RowChart::Text => render::save(&text::TextChart::new(file, row, output)?, path, format),
    }
}

/// Writes mean |φ| per feature over all rows, for one output or (`None`) all outputs stacked.
pub fn write_global_bar(
    file: &ExplanationFile,
    output: Option<usize>,
    top: usize,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_file(file)?;
    if let Some(k) = output {
        check_output(file, k)?;
    }
    render::save(&global_bar::GlobalBar::new(file, output, top), path, format)
}

/// Writes a beeswarm of one output: a dot per row and feature at its φ, coloured by the
/// feature's value, for the `top` features by mean |φ|.
pub fn write_beeswarm(
    file: &ExplanationFile,
    output: usize,
    top: usize,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_for_output(file, output)?;
    render::save(&beeswarm::Beeswarm::new(file, output, top), path, format)
}

/// Writes a dependence scatter of feature `feature` for one output: a dot per row at (value,
/// φ), coloured by the value of `color_by` (default: the feature itself), with ±1 standard error
/// bars when known. Both features must stand for one input each.
pub fn write_scatter(
    file: &ExplanationFile,
    feature: usize,
    output: usize,
    color_by: Option<usize>,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_for_output(file, output)?;
    let m = file.feature_names.len();
    for j in std::iter::once(feature).chain(color_by) {
        check_index("feature", j, m, "has")?;
    }
    render::save(
        &scatter::Scatter::new(file, feature, output, color_by)?,
        path,
        format,
    )
}

/// Features shown in an interaction heatmap by default.
pub const DEFAULT_TOP_INTERACTIONS: usize = 12;

/// Writes an interaction heatmap for one output over its `top` features: row `row`'s Φ (signed,
/// diagonal = main effects), or with `row` `None` the run's mean |Φ_ij| from the summary.
pub fn write_interaction_heatmap(
    file: &ExplanationFile,
    row: Option<usize>,
    output: usize,
    top: usize,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_file(file)?;
    check_output(file, output)?;
    let chart = match row {
        Some(r) => interaction_heatmap::Heatmap::row(file, r, output, top)?,
        None => interaction_heatmap::Heatmap::global(file, output, top)?,
    };
    render::save(&chart, path, format)
}

/// The feature that interacts most with feature `j` for output `k` (largest mean |Φ_jl|, l ≠ j,
/// among features with one value per row), when the file has interaction values: what a
/// dependence scatter is coloured by (as shap's `dependence_plot(interaction_index="auto")`).
pub fn most_interacting(file: &ExplanationFile, j: usize, k: usize) -> Option<usize> {
    let mean = file.summary.get(k)?.mean_abs_interactions.as_ref()?;
    let row = mean.get(j)?;
    (0..row.len())
        .filter(|&l| l != j && scatter::player_values(file, l).is_ok())
        .max_by(|&a, &b| row[a].total_cmp(&row[b]))
}

/// Writes a heatmap of rows × the `top` features for one output, rows in `order`, with f(x)
/// above (the first [`MAX_HEATMAP_ROWS`] rows).
pub fn write_heatmap(
    file: &ExplanationFile,
    output: usize,
    top: usize,
    order: RowOrder,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_for_output(file, output)?;
    render::save(
        &heatmap::Heatmap::new(file, output, top, order),
        path,
        format,
    )
}

/// Writes the cohort comparison of one output: mean |φ| of the `top` features in the rows
/// `split` selects and in the others, with 95% intervals. Fails when a cohort is empty.
pub fn write_cohorts(
    file: &ExplanationFile,
    output: usize,
    top: usize,
    split: &CohortSplit,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_for_output(file, output)?;
    render::save(
        &cohorts::Cohorts::new(file, output, top, split)?,
        path,
        format,
    )
}

/// Writes the force view of one row and output: one band from E[f(X)] to f(x), red
/// contributions pushing up, blue down.
pub fn write_force(
    file: &ExplanationFile,
    row: usize,
    output: usize,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_cell(file, row, output)?;
    render::save(&force::Force::new(file, row, output), path, format)
}

/// Writes input images beside their attribution maps for one output, one pair per row in `rows`
/// (at most [`MAX_IMAGE_ROWS`]). `shape` defaults to `meta.row_shape` when it is H×W×C.
pub fn write_image(
    file: &ExplanationFile,
    rows: &[usize],
    output: usize,
    shape: Option<ImageShape>,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_for_output(file, output)?;
    if rows.is_empty() {
        return Err(Error::Chart("no rows to draw".into()));
    }
    for &r in rows {
        check_row(file, r)?;
    }
    let shape = resolve_image_shape(file, shape)?;
    shape.check(file.n_inputs())?;
    let rows = &rows[..rows.len().min(MAX_IMAGE_ROWS)];
    render::save(
        &image::ImageGrid::new(file, rows, output, shape),
        path,
        format,
    )
}

/// Writes one row's attribution map for one output over its input image (see
/// [`overlay_size`]): semi-transparent red/blue on a symmetric scale, segment outlines when
/// `segments` are given, a colour bar, and a title with the row, output and f(x). The row's
/// data must be the whole image; its values one per image value, or one per segment.
/// `shape` defaults to `meta.row_shape` when it is an image.
pub fn write_overlay(
    file: &ExplanationFile,
    row: usize,
    output: usize,
    shape: Option<ImageShape>,
    segments: Option<&Segments>,
    path: &Path,
    format: Format,
) -> Result<()> {
    check_cell(file, row, output)?;
    let shape = resolve_image_shape(file, shape)?;
    let own = match segments {
        Some(_) => None,
        None => file_segments(file, row, &shape),
    };
    let segments = segments.or(own.as_ref());
    overlay::check_overlay(file, row, &shape, segments)?;
    render::save(
        &overlay::Overlay::new(file, row, output, shape, segments),
        path,
        format,
    )
}

/// The image segments row `row`'s players are (the file's groups, or the row's own), when they
/// are whole pixels (every channel of a pixel in the same group): label = player index.
/// Trailing players without features (a row with fewer superpixels) are left out.
pub fn file_segments(file: &ExplanationFile, row: usize, shape: &ImageShape) -> Option<Segments> {
    let groups = file.groups_of(row)?;
    let groups = &groups[..groups.iter().rposition(|g| !g.is_empty())? + 1];
    if shape.len() != file.n_inputs() {
        return None;
    }
    let mut owner = vec![u32::MAX; shape.len()];
    for (g, members) in groups.iter().enumerate() {
        for &j in members {
            *owner.get_mut(j)? = g as u32;
        }
    }
    let labels: Option<Vec<u32>> = (0..shape.pixels())
        .map(|p| {
            let (y, x) = (p / shape.width, p % shape.width);
            let l = owner[shape.index(y, x, 0)];
            (0..shape.channels)
                .all(|c| owner[shape.index(y, x, c)] == l)
                .then_some(l)
        })
        .collect();
    Segments::new(labels?, groups.len(), shape.height, shape.width).ok()
}

/// `shape`, or the file's row shape when it is an image.
fn resolve_image_shape(file: &ExplanationFile, shape: Option<ImageShape>) -> Result<ImageShape> {
    match shape {
        Some(s) => Ok(s),
        None => ImageShape::from_row_shape(&file.meta.row_shape).ok_or_else(|| {
            Error::param(
                "image_shape",
                format!(
                    "rows of shape {:?} are not images; give one as HxW",
                    file.meta.row_shape
                ),
            )
        }),
    }
}

/// Writes the standard set of charts into `out_dir` and returns their paths; see
/// [`write_default_charts_with`].
pub fn write_default_charts(
    file: &ExplanationFile,
    out_dir: &Path,
    format: Format,
) -> Result<Vec<PathBuf>> {
    write_default_charts_with(
        file,
        out_dir,
        &ChartOptions {
            format,
            ..ChartOptions::default()
        },
    )
}

/// Most beeswarms the default charts draw (one per output).
pub const MAX_BEESWARMS: usize = 10;

/// Outputs that get a beeswarm: every output when there are at most [`MAX_BEESWARMS`], else the
/// [`MAX_BEESWARMS`] with the largest total mean |φ|, in output order.
pub fn beeswarm_outputs(file: &ExplanationFile) -> Vec<usize> {
    let k = file.output_names.len();
    if k <= MAX_BEESWARMS {
        return (0..k).collect();
    }
    let totals: Vec<f64> = (0..k).map(|o| mean_abs(file, o).iter().sum()).collect();
    let mut top = ranking(&totals)[..MAX_BEESWARMS].to_vec();
    top.sort_unstable();
    top
}

/// The standard set of charts:
/// - `waterfall_row{r}_out{k}`: each of the first [`MAX_DEFAULT_WATERFALLS`] rows (r = its index
///   in the data file, [`data_row`]) for its predicted output k (output 0 when there is one output);
/// - `global_bar`: mean |φ| per feature, all outputs stacked (not for per-row superpixels, whose
///   segment k is another region in every row; nor the beeswarms);
/// - `beeswarm_out{k}` for the outputs of [`beeswarm_outputs`];
/// - `image_out{k}` when rows are images (`meta.row_shape` H×W×C, or `image_shape`): for each
///   output predicted for one of the first rows, up to [`MAX_IMAGE_ROWS`] rows predicted as it;
/// - `overlay_row{r}_out{k}` for the same rows as the waterfalls when rows are images: the
///   attribution map over the image, with segment outlines when players are patches;
/// - for the same rows, the [`RowChart::defaults`]: `time_heatmap_row{r}_out{k}` and
///   `steps_row{r}_out{k}` for sequences, `text_row{r}_out{k}` for text with words.
pub fn write_default_charts_with(
    file: &ExplanationFile,
    out_dir: &Path,
    opts: &ChartOptions,
) -> Result<Vec<PathBuf>> {
    write_streamed_charts(file, file, file.values.len(), out_dir, opts)
}

/// Rows of the first rows' charts: (row, output) waterfalls and (output, rows) image grids.
type HeadPlan = (Vec<(usize, usize)>, Vec<(usize, Vec<usize>)>);

/// Rows of `head` that get a waterfall, with their outputs, and the image charts' rows per output.
fn head_plan(head: &ExplanationFile) -> HeadPlan {
    let first: Vec<usize> = (0..head.values.len().min(MAX_DEFAULT_WATERFALLS)).collect();
    let waterfalls = first
        .iter()
        .map(|&r| (r, predicted_output(head, r)))
        .collect();
    let mut outputs: Vec<usize> = first.iter().map(|&r| predicted_output(head, r)).collect();
    outputs.sort_unstable();
    outputs.dedup();
    let images = outputs
        .into_iter()
        .map(|k| {
            let rows = first
                .iter()
                .copied()
                .filter(|&r| predicted_output(head, r) == k)
                .take(MAX_IMAGE_ROWS)
                .collect();
            (k, rows)
        })
        .collect();
    (waterfalls, images)
}

/// The file name of row chart `kind` of row `r` (position) and output `k`.
pub fn row_chart_name(
    file: &ExplanationFile,
    kind: RowChart,
    r: usize,
    k: usize,
    ext: &str,
) -> String {
    format!("{}_row{}_out{k}.{ext}", kind.stem(), data_row(file, r))
}

/// The image shape charts use, if rows are images.
fn image_shape_of(file: &ExplanationFile, opts: &ChartOptions) -> Option<ImageShape> {
    opts.image_shape
        .or_else(|| ImageShape::from_row_shape(&file.meta.row_shape))
}

/// Whether player j is the same inputs in every row, so charts across rows (global bar,
/// beeswarm) compare like with like; per-row superpixels are not.
fn shared_players(file: &ExplanationFile) -> bool {
    file.row_groups.is_none()
}

/// File names [`write_streamed_charts`] writes for these files, without drawing anything.
pub fn streamed_chart_names(
    head: &ExplanationFile,
    sample: &ExplanationFile,
    opts: &ChartOptions,
) -> Vec<String> {
    let ext = opts.format.extension();
    let (waterfalls, images) = head_plan(head);
    let mut names: Vec<String> = waterfalls
        .iter()
        .map(|&(r, k)| format!("waterfall_row{}_out{k}.{ext}", data_row(head, r)))
        .collect();
    for kind in RowChart::defaults(head) {
        names.extend(
            waterfalls
                .iter()
                .map(|&(r, k)| row_chart_name(head, kind, r, k, ext)),
        );
    }
    if shared_players(head) {
        names.push(format!("global_bar.{ext}"));
        names.extend(
            beeswarm_outputs(sample)
                .iter()
                .map(|k| format!("beeswarm_out{k}.{ext}")),
        );
    }
    if image_shape_of(head, opts).is_some() {
        names.extend(images.iter().map(|(k, _)| format!("image_out{k}.{ext}")));
        names.extend(
            waterfalls
                .iter()
                .map(|&(r, k)| format!("overlay_row{}_out{k}.{ext}", data_row(head, r))),
        );
    }
    names
}

/// The standard set of charts of a run too large to hold: waterfalls and images of the first
/// rows (`head`), the global bar from `sample.summary` (every row's), and beeswarms of the rows
/// in `sample`, whose subtitle says when they are a sample of `total_rows`.
pub fn write_streamed_charts(
    head: &ExplanationFile,
    sample: &ExplanationFile,
    total_rows: usize,
    out_dir: &Path,
    opts: &ChartOptions,
) -> Result<Vec<PathBuf>> {
    check_file(head)?;
    check_file(sample)?;
    let ext = opts.format.extension();
    let mut written = Vec::new();
    let (waterfalls, images) = head_plan(head);
    for &(r, k) in &waterfalls {
        let path = out_dir.join(format!("waterfall_row{}_out{k}.{ext}", data_row(head, r)));
        let top = opts.top.unwrap_or(DEFAULT_TOP_WATERFALL);
        render::save(
            &waterfall::Waterfall::new(head, r, k, top),
            &path,
            opts.format,
        )?;
        written.push(path);
    }
    for kind in RowChart::defaults(head) {
        for &(r, k) in &waterfalls {
            let path = out_dir.join(row_chart_name(head, kind, r, k, ext));
            write_row_chart(head, kind, r, k, &path, opts.format)?;
            written.push(path);
        }
    }
    let top = opts.top.unwrap_or(DEFAULT_TOP_GLOBAL);
    if shared_players(head) {
        let path = out_dir.join(format!("global_bar.{ext}"));
        render::save(
            &global_bar::GlobalBar::new(sample, None, top),
            &path,
            opts.format,
        )?;
        written.push(path);
        for k in beeswarm_outputs(sample) {
            let path = out_dir.join(format!("beeswarm_out{k}.{ext}"));
            let mut chart = beeswarm::Beeswarm::new(sample, k, top);
            if sample.values.len() < total_rows {
                chart.note_sample(sample.values.len(), total_rows, sample.meta.seed);
            }
            render::save(&chart, &path, opts.format)?;
            written.push(path);
        }
    }
    if let Some(shape) = image_shape_of(head, opts) {
        shape.check(head.n_inputs())?;
        for (k, rows) in images {
            let path = out_dir.join(format!("image_out{k}.{ext}"));
            render::save(
                &image::ImageGrid::new(head, &rows, k, shape),
                &path,
                opts.format,
            )?;
            written.push(path);
        }
        for (r, k) in waterfalls {
            let path = out_dir.join(format!("overlay_row{}_out{k}.{ext}", data_row(head, r)));
            write_overlay(head, r, k, Some(shape), None, &path, opts.format)?;
            written.push(path);
        }
    }
    Ok(written)
}
