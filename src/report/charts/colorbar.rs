//! The vertical colour scale of attribution maps: +limit at the top, 0 in the middle, −limit at
//! the bottom, with value labels and a caption.

use super::palette;
use super::style::{self, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Width of the colour strip in pixels.
const STRIP: i32 = 14;

/// Where and how a colour bar is drawn.
pub(crate) struct ColorBar {
    /// Left edge of the strip.
    pub x: i32,
    /// Top of the strip.
    pub top: i32,
    /// Height of the strip in pixels.
    pub height: i32,
    /// The value at the ends (symmetric); 0 is shown as ±1.
    pub limit: f64,
    /// Labelled values, evenly spaced from top to bottom (odd, so 0 is labelled).
    pub ticks: i32,
    /// Text under the strip.
    pub caption: &'static str,
}

impl ColorBar {
    /// Draws the strip with `colour(t)` for t from +1 (top) to −1 (bottom), its frame, ticks,
    /// labels and caption.
    pub(crate) fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        colour: impl Fn(f64) -> RGBColor,
    ) -> DrawResult {
        let (x, y0, h) = (self.x, self.top, self.height);
        for dy in 0..h {
            let t = 1.0 - 2.0 * dy as f64 / (h - 1) as f64;
            root.draw(&Rectangle::new(
                [(x, y0 + dy), (x + STRIP, y0 + dy + 1)],
                colour(t).filled(),
            ))?;
        }
        let frame = palette::AXIS.stroke_width(1);
        root.draw(&Rectangle::new(
            [(x - 1, y0 - 1), (x + STRIP, y0 + h)],
            frame,
        ))?;
        let lim = if self.limit > 0.0 { self.limit } else { 1.0 };
        let tick = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Left, VPos::Center);
        let steps = (self.ticks - 1).max(1);
        for i in 0..=steps {
            let v = lim * (1.0 - 2.0 * i as f64 / steps as f64);
            let y = y0 + (h - 1) * i / steps;
            let txt = if v > 0.0 {
                style::signed_num(v)
            } else {
                style::num(v)
            };
            root.draw(&PathElement::new(
                vec![(x + STRIP, y), (x + STRIP + 4, y)],
                frame,
            ))?;
            root.draw(&tick.at(txt, (x + STRIP + 8, y)))?;
        }
        let cap = style::anchored(style::SMALL_SIZE, palette::SUBTLE, HPos::Left, VPos::Top);
        root.draw(&cap.at(self.caption, (x, y0 + h + 8)))?;
        Ok(())
    }
}

/// The feature-value scale of beeswarms and scatters: a strip from blue (low, bottom) to red
/// (high, top) at pixel column `x`, centred between `top` and `bottom`, labelled High/Low, with
/// `caption` rotated beside it.
pub(crate) fn draw_value_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: i32,
    (top, bottom): (i32, i32),
    caption: &str,
) -> DrawResult {
    let h = ((bottom - top) as f64 * 0.6).clamp(60.0, 320.0) as i32;
    let y0 = (top + bottom) / 2 - h / 2;
    for dy in 0..h {
        let t = 1.0 - dy as f64 / (h - 1).max(1) as f64;
        root.draw(&Rectangle::new(
            [(x, y0 + dy), (x + 12, y0 + dy + 1)],
            palette::feature_value(t).filled(),
        ))?;
    }
    let s = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Center, VPos::Bottom);
    root.draw(&s.at("High", (x + 6, y0 - 5)))?;
    let s = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Center, VPos::Top);
    root.draw(&s.at("Low", (x + 6, y0 + h + 5)))?;
    let s = style::text(style::SMALL_SIZE, palette::SUBTLE)
        .transform(FontTransform::Rotate270)
        .pos(plotters::style::text_anchor::Pos::new(
            HPos::Center,
            VPos::Center,
        ));
    root.draw(&Text::new(
        style::truncate(caption),
        (x + 30, (top + bottom) / 2),
        s,
    ))?;
    Ok(())
}
