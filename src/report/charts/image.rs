//! Image heatmaps: each row's input (grey) beside its attribution map for one output, on a
//! blue–white–red scale centred at 0 with symmetric limits shared by all rows of the chart.
//!
//! Channels: the input shows the mean over channels; the map shows φ summed over channels
//! (the attribution of the whole pixel).

use super::colorbar::ColorBar;
use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult};
pub use crate::data::image::ImageShape;
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Rows drawn in one image chart at most.
pub const MAX_IMAGE_ROWS: usize = 8;
/// Row pairs per grid line.
const PER_LINE: usize = 4;
const MARGIN: u32 = 20;
const HEADER: u32 = 84;
const PAIR_GAP: u32 = 36;
const PANEL_GAP: u32 = 10;
const LABEL_H: u32 = 26;
const LINE_GAP: u32 = 22;
const COLORBAR: u32 = 120;
const MIN_WIDTH: u32 = 760;
/// Target panel size in pixels.
const PANEL: usize = 160;

/// Screen pixels per image pixel.
fn scale(shape: &ImageShape) -> usize {
    (PANEL / shape.height.max(shape.width)).max(1)
}

/// Pixel size of an image chart of `rows` rows (capped at [`MAX_IMAGE_ROWS`]).
pub fn image_grid_size(rows: usize, shape: ImageShape) -> (u32, u32) {
    let rows = rows.clamp(1, MAX_IMAGE_ROWS);
    let s = scale(&shape);
    let (pw, ph) = ((shape.width * s) as u32, (shape.height * s) as u32);
    let cols = rows.min(PER_LINE) as u32;
    let lines = rows.div_ceil(PER_LINE) as u32;
    let pair = 2 * pw + PANEL_GAP;
    let width = (2 * MARGIN + cols * pair + (cols - 1) * PAIR_GAP + COLORBAR).max(MIN_WIDTH);
    let height = HEADER + lines * (LABEL_H + ph + LINE_GAP) + MARGIN;
    (width, height)
}

struct Panel {
    label: String,
    /// Input grey levels in [0, 1], row-major H×W.
    input: Vec<f64>,
    /// φ per pixel, row-major H×W.
    phi: Vec<f64>,
}

pub(crate) struct ImageGrid {
    title: String,
    subtitle: String,
    shape: ImageShape,
    panels: Vec<Panel>,
    limit: f64,
}

impl ImageGrid {
    pub(crate) fn new(
        file: &ExplanationFile,
        rows: &[usize],
        output: usize,
        shape: ImageShape,
    ) -> Self {
        let rows = &rows[..rows.len().min(MAX_IMAGE_ROWS)];
        let (h, w, c) = (shape.height, shape.width, shape.channels);
        let pixel = |f: &dyn Fn(usize) -> f64| -> Vec<f64> {
            (0..h * w)
                .map(|p| {
                    (0..c)
                        .map(|ch| f(shape.index(p / w, p % w, ch)))
                        .sum::<f64>()
                })
                .collect()
        };
        let mut raw_inputs = Vec::new();
        let mut panels = Vec::new();
        for &r in rows {
            let input = pixel(&|i| file.data[r][i] as f64 / c as f64);
            let per_input = file.input_attributions(r, output);
            let phi = pixel(&|i| per_input[i]);
            raw_inputs.push(input);
            panels.push(Panel {
                label: format!(
                    "row {}  ·  f(x) = {}",
                    file.row_indices[r],
                    style::num(file.predictions[r][output])
                ),
                input: Vec::new(),
                phi,
            });
        }
        let lo = raw_inputs
            .iter()
            .flatten()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let hi = raw_inputs
            .iter()
            .flatten()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        for (p, raw) in panels.iter_mut().zip(raw_inputs) {
            p.input = raw
                .iter()
                .map(|&v| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 })
                .collect();
        }
        let limit = panels
            .iter()
            .flat_map(|p| p.phi.iter())
            .fold(0.0f64, |a, v| a.max(v.abs()));
        ImageGrid {
            title: style::chart_title(
                &file.meta.model,
                &format!("output {}", file.output_names[output]),
                file.meta.method,
            ),
            subtitle: format!(
                "left: input (bright = high)   right: φ per pixel, red raises output {}, blue lowers it",
                style::truncate_to(&file.output_names[output], 20)
            ),
            shape,
            panels,
            limit,
        }
    }
}

impl Chart for ImageGrid {
    fn size(&self) -> (u32, u32) {
        image_grid_size(self.panels.len(), self.shape)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&palette::BACKGROUND)?;
        style::draw_header(root, &self.title, &self.subtitle)?;
        let s = scale(&self.shape) as i32;
        let (w, h) = (self.shape.width, self.shape.height);
        let (pw, ph) = (w as i32 * s, h as i32 * s);
        let pair = 2 * pw + PANEL_GAP as i32;
        let label = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Center, VPos::Bottom);
        let frame = palette::AXIS.stroke_width(1);
        let lim = if self.limit > 0.0 { self.limit } else { 1.0 };
        let mut right_edge = 0;
        for (i, p) in self.panels.iter().enumerate() {
            let (col, line) = ((i % PER_LINE) as i32, (i / PER_LINE) as i32);
            let x0 = MARGIN as i32 + col * (pair + PAIR_GAP as i32);
            let y0 = (HEADER + LABEL_H) as i32 + line * (LABEL_H + ph as u32 + LINE_GAP) as i32;
            root.draw(&label.at(p.label.clone(), (x0 + pair / 2, y0 - 6)))?;
            let x1 = x0 + pw + PANEL_GAP as i32;
            for py in 0..h {
                for px in 0..w {
                    let k = py * w + px;
                    let (cx, cy) = (px as i32 * s, py as i32 * s);
                    root.draw(&Rectangle::new(
                        [(x0 + cx, y0 + cy), (x0 + cx + s, y0 + cy + s)],
                        palette::grey(p.input[k]).filled(),
                    ))?;
                    root.draw(&Rectangle::new(
                        [(x1 + cx, y0 + cy), (x1 + cx + s, y0 + cy + s)],
                        palette::diverging(p.phi[k] / lim).filled(),
                    ))?;
                }
            }
            for x in [x0, x1] {
                root.draw(&Rectangle::new([(x - 1, y0 - 1), (x + pw, y0 + ph)], frame))?;
            }
            right_edge = right_edge.max(x1 + pw);
        }
        ColorBar {
            x: right_edge + 40,
            top: (HEADER + LABEL_H) as i32,
            height: ph.max(120),
            limit: self.limit,
            ticks: 3,
            caption: "φ",
        }
        .draw(root, palette::diverging)
    }
}
