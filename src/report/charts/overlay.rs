//! One row's attribution map drawn over its input image: the image (grey, or RGB for 3 and 4
//! channels) faded a little, tinted red where φ raises the output and blue where it lowers it,
//! with opacity growing with |φ| on a symmetric scale, segment outlines, and a colour bar.
//!
//! The map shows, per pixel, the φ of its segment (the sum of the segment's features, or the
//! segment's own φ when the file explains segments as features) or, without segments, the φ
//! of the pixel summed over channels.

use super::colorbar::ColorBar;
use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult};
use crate::data::image::{ImageShape, Segments};
use crate::error::{Error, Result};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Target size of the image panel in pixels.
const PANEL: usize = 480;
const MARGIN: u32 = 20;
const HEADER: u32 = 84;
const COLORBAR: u32 = 150;
const MIN_WIDTH: u32 = 720;
/// Share of white mixed into the image under the map, so the tints read clearly.
const FADE: f64 = 0.25;
/// Opacity of the tint at the largest |φ|.
const MAX_ALPHA: f64 = 0.85;
/// Segment outline colour: yellow, distinct from the map's red and blue and from greys.
const OUTLINE: RGBColor = RGBColor(255, 200, 0);

/// Screen pixels per image pixel.
fn scale(shape: &ImageShape) -> u32 {
    (PANEL / shape.height.max(shape.width)).max(1) as u32
}

/// Pixel size of an overlay chart of an image of `shape`.
pub fn overlay_size(shape: ImageShape) -> (u32, u32) {
    let s = scale(&shape);
    let (pw, ph) = (shape.width as u32 * s, shape.height as u32 * s);
    let width = (2 * MARGIN + pw + COLORBAR).max(MIN_WIDTH);
    (width, HEADER + ph.max(160) + 2 * MARGIN)
}

/// The image's colours in [0, 1] per pixel (row-major): RGB for 3 or 4 channels (alpha
/// ignored), else the channel mean as grey; scaled by the image's own min and max.
fn base_colours(data: &[f32], shape: &ImageShape) -> Vec<[f64; 3]> {
    let lo = data.iter().copied().fold(f32::INFINITY, f32::min) as f64;
    let hi = data.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let norm = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    let rgb = matches!(shape.channels, 3 | 4);
    (0..shape.pixels())
        .map(|p| {
            let (y, x) = (p / shape.width, p % shape.width);
            let v = |c: usize| norm(data[shape.index(y, x, c)] as f64);
            if rgb {
                [v(0), v(1), v(2)]
            } else {
                let g = (0..shape.channels).map(v).sum::<f64>() / shape.channels as f64;
                [g, g, g]
            }
        })
        .collect()
}

/// φ per pixel (row-major) for output `k` of a row whose values are per feature (H·W·C) or,
/// with segments, per segment.
fn pixel_phi(
    values: &[Vec<f64>],
    k: usize,
    shape: &ImageShape,
    segments: Option<&Segments>,
) -> Vec<f64> {
    let per_pixel = |p: usize| -> f64 {
        let (y, x) = (p / shape.width, p % shape.width);
        (0..shape.channels)
            .map(|c| values[shape.index(y, x, c)][k])
            .sum()
    };
    match segments {
        None => (0..shape.pixels()).map(per_pixel).collect(),
        Some(s) if values.len() == s.n => s.labels.iter().map(|&l| values[l as usize][k]).collect(),
        Some(s) => {
            let mut total = vec![0.0; s.n];
            for (p, &l) in s.labels.iter().enumerate() {
                total[l as usize] += per_pixel(p);
            }
            s.labels.iter().map(|&l| total[l as usize]).collect()
        }
    }
}

/// The image colour of one pixel faded, then tinted by `t` = φ / limit in [-1, 1].
fn blend(base: [f64; 3], t: f64) -> RGBColor {
    let tint = palette::signed(t);
    let a = MAX_ALPHA * t.abs().min(1.0);
    let c = |b: f64, tc: u8| {
        let faded = 255.0 * (FADE + (1.0 - FADE) * b);
        ((1.0 - a) * faded + a * tc as f64)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    RGBColor(c(base[0], tint.0), c(base[1], tint.1), c(base[2], tint.2))
}

pub(crate) struct Overlay {
    title: String,
    subtitle: String,
    shape: ImageShape,
    /// Final colour of every image pixel, row-major.
    colours: Vec<RGBColor>,
    /// Outline flags of every pixel (right and lower edges), when segments are drawn.
    outline: Option<Vec<(bool, bool)>>,
    limit: f64,
    caption: &'static str,
}

impl Overlay {
    pub(crate) fn new(
        file: &ExplanationFile,
        row: usize,
        output: usize,
        shape: ImageShape,
        segments: Option<&Segments>,
    ) -> Self {
        let base = base_colours(&file.data[row], &shape);
        let mut values = &file.values[row][..];
        if let (Some(s), Some(_)) = (segments, &file.row_groups) {
            // The row's own superpixels: players past its segments hold no pixel (φ = 0).
            values = &values[..s.n.min(values.len())];
        }
        let phi = pixel_phi(values, output, &shape, segments);
        let limit = phi.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let lim = if limit > 0.0 { limit } else { 1.0 };
        let colours = base
            .iter()
            .zip(&phi)
            .map(|(&b, &v)| blend(b, v / lim))
            .collect();
        let outline = segments.map(Segments::edges);
        let name = &file.output_names[output];
        let what = format!("row {}  ·  output {name}", file.row_indices[row]);
        let players = segments
            .map(|s| format!("  ·  {} segments", s.n))
            .unwrap_or_default();
        Overlay {
            title: style::chart_title(&file.meta.model, &what, file.meta.method),
            subtitle: format!(
                "f(x) = {}   E[f(X)] = {}   red raises {}, blue lowers it{players}",
                style::num(file.predictions[row][output]),
                style::num(file.base_values[row][output]),
                style::truncate_to(name, 20),
            ),
            shape,
            colours,
            outline,
            limit,
            caption: if segments.is_some() {
                "φ of segment"
            } else {
                "φ of pixel"
            },
        }
    }
}

impl Chart for Overlay {
    fn size(&self) -> (u32, u32) {
        overlay_size(self.shape)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&palette::BACKGROUND)?;
        style::draw_header(root, &self.title, &self.subtitle)?;
        let s = scale(&self.shape) as i32;
        let (w, h) = (self.shape.width, self.shape.height);
        let (x0, y0) = (MARGIN as i32, HEADER as i32);
        for (p, c) in self.colours.iter().enumerate() {
            let (cx, cy) = (x0 + (p % w) as i32 * s, y0 + (p / w) as i32 * s);
            root.draw(&Rectangle::new([(cx, cy), (cx + s, cy + s)], c.filled()))?;
        }
        if let Some(edges) = &self.outline {
            let line = OUTLINE.stroke_width(if s >= 8 { 2 } else { 1 });
            for (p, &(right, below)) in edges.iter().enumerate() {
                let (cx, cy) = (x0 + (p % w) as i32 * s, y0 + (p / w) as i32 * s);
                if right {
                    root.draw(&PathElement::new(
                        vec![(cx + s, cy), (cx + s, cy + s)],
                        line,
                    ))?;
                }
                if below {
                    root.draw(&PathElement::new(
                        vec![(cx, cy + s), (cx + s, cy + s)],
                        line,
                    ))?;
                }
            }
        }
        let (pw, ph) = (w as i32 * s, h as i32 * s);
        let frame = palette::AXIS.stroke_width(1);
        root.draw(&Rectangle::new(
            [(x0 - 1, y0 - 1), (x0 + pw, y0 + ph)],
            frame,
        ))?;
        ColorBar {
            x: x0 + pw + 40,
            top: y0,
            height: ph.max(160),
            limit: self.limit,
            ticks: 5,
            caption: self.caption,
        }
        // The tints as they look on a mid-grey pixel.
        .draw(root, |t| blend([0.5; 3], t))
    }
}
/// Checks that a row can be drawn as an overlay: its data is the whole image and its values
/// are per feature of the image or, with segments, per segment.
pub(crate) fn check_overlay(
    file: &ExplanationFile,
    row: usize,
    shape: &ImageShape,
    segments: Option<&Segments>,
) -> Result<()> {
    let width = file.data[row].len();
    let row_name = super::data_row(file, row);
    if width != shape.len() {
        return Err(Error::Chart(format!(
            "row {row_name} holds {width} input values but the image shape {}x{}x{} needs {}",
            shape.height,
            shape.width,
            shape.channels,
            shape.len()
        )));
    }
    let m = file.values[row].len();
    if let Some(s) = segments {
        s.check(shape)?;
        // A row's own superpixels may be fewer than the players: the rest hold no pixel.
        if m == s.n || (file.row_groups.is_some() && m > s.n) {
            return Ok(());
        }
    }
    if m != shape.len() {
        return Err(Error::Chart(format!(
            "row {row_name} has {m} attributions: neither one per image value ({}) nor one per segment",
            shape.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tints_follow_sign_and_size() {
        let grey = [0.5; 3];
        assert_eq!(blend(grey, 0.0), RGBColor(159, 159, 159));
        let red = blend(grey, 1.0);
        let blue = blend(grey, -1.0);
        assert!(red.0 > 220 && red.2 < 120, "{red:?}");
        assert!(blue.2 > 220 && blue.0 < 50, "{blue:?}");
        let weak = blend(grey, 0.2);
        assert!(weak.0 > weak.2 && weak.0 < red.0);
    }

    #[test]
    fn phi_per_pixel_sums_channels_and_segments() {
        let shape = ImageShape::hwc(2, 2, 2);
        let values: Vec<Vec<f64>> = (0..8).map(|i| vec![i as f64]).collect();
        assert_eq!(
            pixel_phi(&values, 0, &shape, None),
            vec![1.0, 5.0, 9.0, 13.0]
        );
        let halves = Segments::new(vec![0, 0, 1, 1], 2, 2, 2).unwrap();
        assert_eq!(
            pixel_phi(&values, 0, &shape, Some(&halves)),
            vec![6.0, 6.0, 22.0, 22.0]
        );
        let per_segment = vec![vec![-1.0], vec![2.0]];
        assert_eq!(
            pixel_phi(&per_segment, 0, &shape, Some(&halves)),
            vec![-1.0, -1.0, 2.0, 2.0]
        );
        let rgb = base_colours(&[0.0, 0.5, 1.0], &ImageShape::hwc(1, 1, 3));
        assert_eq!(rgb, vec![[0.0, 0.5, 1.0]]);
    }
}
