//! Interaction heatmaps: one row's Φ (shap's convention, signed, diagonal = main effects) or
//! every output's mean |Φ_ij| over all rows, for the top features, with a colour bar.

use super::colorbar::ColorBar;
use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult};
use crate::error::{Error, Result};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Pixels of one cell.
const CELL: i32 = 34;
/// Height of the title and subtitle band.
const HEADER: i32 = 96;
/// Width of the row labels.
const LABELS: i32 = 250;

pub(crate) struct Heatmap {
    title: String,
    subtitle: String,
    labels: Vec<String>,
    /// cells[a][b] for the shown features a, b.
    cells: Vec<Vec<f64>>,
    /// Signed values (blue–red about 0) or magnitudes (white to red).
    signed: bool,
    caption: &'static str,
}

/// The `top` features by `score`, largest first.
fn top_features(score: &[f64], top: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    order.truncate(top.max(1));
    order
}

impl Heatmap {
    /// Row `row`'s Φ for output `k` over its `top` features by |φ|.
    pub(crate) fn row(file: &ExplanationFile, row: usize, k: usize, top: usize) -> Result<Self> {
        let phi = file.interactions.as_ref().ok_or_else(|| {
            Error::Chart("the file has no interaction values: explain with --interactions".into())
        })?;
        let r = phi.get(row).ok_or_else(|| {
            Error::Chart(format!("row {row} is not in the file's interaction values"))
        })?;
        let score: Vec<f64> = file.values[row].iter().map(|v| v[k].abs()).collect();
        let shown = top_features(&score, top);
        Ok(Heatmap {
            title: style::chart_title(&file.meta.model, &format!("interactions · row {}", file.row_indices[row]), file.meta.method),
            subtitle: format!("Φ_ij = half the Shapley interaction index (diagonal grey: main effects) · output {} · top {} of {} by |φ|", file.output_names[k], shown.len(), score.len()),
            labels: shown.iter().map(|&j| style::truncate(&file.feature_names[j])).collect(),
            cells: shown.iter().map(|&a| shown.iter().map(|&b| r[a][b][k]).collect()).collect(),
            signed: true,
            caption: "Φ_ij",
        })
    }

    /// Output `k`'s mean |Φ_ij| over all rows of the run (the summary's) for its `top` features
    /// by mean |φ|.
    pub(crate) fn global(file: &ExplanationFile, k: usize, top: usize) -> Result<Self> {
        let s = &file.summary[k];
        let mean = s.mean_abs_interactions.as_ref().ok_or_else(|| {
            Error::Chart("the file has no interaction summary: explain with --interactions".into())
        })?;
        let shown = top_features(&s.mean_abs, top);
        Ok(Heatmap {
            title: style::chart_title(&file.meta.model, "global interactions", file.meta.method),
            subtitle: format!("mean |Φ_ij| over all explained rows (diagonal grey) · output {} · top {} of {} by mean |φ|", file.output_names[k], shown.len(), s.mean_abs.len()),
            labels: shown.iter().map(|&j| style::truncate(&file.feature_names[j])).collect(),
            cells: shown.iter().map(|&a| shown.iter().map(|&b| mean[a][b]).collect()).collect(),
            signed: false,
            caption: "mean |Φ_ij|",
        })
    }
}

impl Chart for Heatmap {
    fn size(&self) -> (u32, u32) {
        let n = self.labels.len() as i32;
        let side = (n * CELL).max(160);
        (
            (LABELS + side + 40) as u32 + style::COLORBAR_WIDTH,
            (HEADER + 30 + side + 40) as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&palette::BACKGROUND)?;
        style::draw_header(root, &self.title, &self.subtitle)?;
        let n = self.labels.len() as i32;
        let top = HEADER + 30;
        // The diagonal (main effects) would dwarf the pairs: it is drawn grey, off the scale.
        let limit = self
            .cells
            .iter()
            .enumerate()
            .flat_map(|(a, r)| r.iter().enumerate().filter(move |(b, _)| *b != a))
            .fold(0.0f64, |acc, (_, v)| acc.max(v.abs()));
        let lim = if limit > 0.0 { limit } else { 1.0 };
        let colour = |v: f64| match self.signed {
            true => palette::diverging(v / lim),
            false => palette::diverging(v.abs() / lim),
        };
        let label = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Right, VPos::Center);
        let number = style::anchored(
            style::SMALL_SIZE,
            palette::SUBTLE,
            HPos::Center,
            VPos::Bottom,
        );
        for (a, name) in self.labels.iter().enumerate() {
            let (a32, y) = (a as i32, top + a as i32 * CELL);
            let text = format!("{name}  {}", a + 1);
            root.draw(&label.at(text, (LABELS - 6, y + CELL / 2)))?;
            root.draw(&number.at(
                format!("{}", a + 1),
                (LABELS + a32 * CELL + CELL / 2, top - 4),
            ))?;
            for (b, &v) in self.cells[a].iter().enumerate() {
                let x = LABELS + b as i32 * CELL;
                let fill = if a == b { palette::GRID } else { colour(v) };
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL - 1, y + CELL - 1)],
                    fill.filled(),
                ))?;
            }
        }
        let frame = palette::AXIS.stroke_width(1);
        root.draw(&Rectangle::new(
            [(LABELS - 1, top - 1), (LABELS + n * CELL, top + n * CELL)],
            frame,
        ))?;
        ColorBar {
            x: LABELS + n * CELL + 40,
            top,
            height: (n * CELL).max(120),
            limit: lim,
            ticks: if self.signed { 3 } else { 2 },
            caption: self.caption,
        }
        .draw(root, palette::diverging)
    }
}
