//! Image heatmaps: each row's input (grey) beside its attribution map for one output, on a
//! blue–white–red scale centred at 0 with symmetric limits shared by all rows of the chart.
//!
//! Channels: the input shows the mean over channels; the map shows φ summed over channels
//! (the attribution of the whole pixel).

use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult};
use crate::error::{Error, Result};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::str::FromStr;

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

/// Layout of one input row as an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageShape {
    /// Height in pixels.
    pub height: usize,
    /// Width in pixels.
    pub width: usize,
    /// Channels.
    pub channels: usize,
    /// Channels come first (C×H×W) instead of last (H×W×C).
    pub channels_first: bool,
}

impl ImageShape {
    /// H×W×C (or C×H×W when only the first dimension looks like channels) from a row shape of
    /// rank 3; `None` for other ranks.
    pub fn from_row_shape(shape: &[usize]) -> Option<ImageShape> {
        let is_c = |c: usize| matches!(c, 1 | 3 | 4);
        match *shape {
            [h, w, c] if is_c(c) || !is_c(h) => Some(ImageShape {
                height: h,
                width: w,
                channels: c,
                channels_first: false,
            }),
            [c, h, w] => Some(ImageShape {
                height: h,
                width: w,
                channels: c,
                channels_first: true,
            }),
            _ => None,
        }
    }

    /// Checks that the shape covers exactly `features` values.
    pub fn check(&self, features: usize) -> Result<()> {
        let n = self.height * self.width * self.channels;
        if n == 0 || n != features {
            return Err(Error::Chart(format!(
                "image shape {}x{}x{} holds {n} values but rows have {features} features",
                self.height, self.width, self.channels
            )));
        }
        Ok(())
    }

    fn index(&self, y: usize, x: usize, c: usize) -> usize {
        if self.channels_first {
            (c * self.height + y) * self.width + x
        } else {
            (y * self.width + x) * self.channels + c
        }
    }

    /// Screen pixels per image pixel.
    fn scale(&self) -> usize {
        (PANEL / self.height.max(self.width)).max(1)
    }
}

impl FromStr for ImageShape {
    type Err = Error;

    /// `HxW` (one channel) or `HxWxC` (channels last).
    fn from_str(s: &str) -> Result<Self> {
        let dims: Vec<usize> = s
            .split(['x', 'X', '×'])
            .map(|d| d.trim().parse::<usize>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| Error::param("image_shape", format!("'{s}' is not HxW or HxWxC")))?;
        match dims[..] {
            [h, w] if h > 0 && w > 0 => Ok(ImageShape {
                height: h,
                width: w,
                channels: 1,
                channels_first: false,
            }),
            [h, w, c] if h > 0 && w > 0 && c > 0 => Ok(ImageShape {
                height: h,
                width: w,
                channels: c,
                channels_first: false,
            }),
            _ => Err(Error::param(
                "image_shape",
                format!("'{s}' is not HxW or HxWxC with positive sizes"),
            )),
        }
    }
}

/// Pixel size of an image chart of `rows` rows (capped at [`MAX_IMAGE_ROWS`]).
pub fn image_grid_size(rows: usize, shape: ImageShape) -> (u32, u32) {
    let rows = rows.clamp(1, MAX_IMAGE_ROWS);
    let s = shape.scale();
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
        let s = self.shape.scale() as i32;
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
        // Colour bar, symmetric around 0.
        let x = right_edge + 40;
        let y0 = (HEADER + LABEL_H) as i32;
        let bar_h = ph.max(120);
        for dy in 0..bar_h {
            let t = 1.0 - 2.0 * dy as f64 / (bar_h - 1) as f64;
            root.draw(&Rectangle::new(
                [(x, y0 + dy), (x + 14, y0 + dy + 1)],
                palette::diverging(t).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(x - 1, y0 - 1), (x + 14, y0 + bar_h)],
            frame,
        ))?;
        let tick = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Left, VPos::Center);
        for (t, v) in [(0, lim), (bar_h / 2, 0.0), (bar_h - 1, -lim)] {
            let txt = if v > 0.0 {
                style::signed_num(v)
            } else {
                style::num(v)
            };
            root.draw(&tick.at(txt, (x + 20, y0 + t)))?;
        }
        let cap = style::anchored(style::SMALL_SIZE, palette::SUBTLE, HPos::Left, VPos::Top);
        root.draw(&cap.at("φ", (x, y0 + bar_h + 8)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_parse_and_check() {
        let s: ImageShape = "10x10".parse().unwrap();
        assert_eq!((s.height, s.width, s.channels), (10, 10, 1));
        assert!(s.check(100).is_ok() && s.check(64).is_err());
        assert!("10".parse::<ImageShape>().is_err());
        assert!("0x3".parse::<ImageShape>().is_err());
        let nhwc = ImageShape::from_row_shape(&[8, 8, 1]).unwrap();
        assert!(!nhwc.channels_first);
        let nchw = ImageShape::from_row_shape(&[3, 32, 32]).unwrap();
        assert!(nchw.channels_first && nchw.channels == 3);
        assert!(ImageShape::from_row_shape(&[100]).is_none());
    }
}
