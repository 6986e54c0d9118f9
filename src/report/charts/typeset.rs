//! Chart text laid out with the embedded font's own metrics, for every chart and every backend.
//!
//! plotters' ab_glyph text drops each glyph's left side bearing and truncates every pen position,
//! so at chart sizes neighbours touch or overlap ("class_0" reads "dass_0", "Identity" reads
//! "Iden tity"). [`Typeset`] wraps a backend and draws all text itself: each glyph sits at the sum
//! of the advances and kerning pairs before it (sub-pixel), on one whole-pixel baseline, and is
//! rasterised from its outline. Titles, row labels, tick labels and legends all go through it.
//!
//! Anchors mean the same in PNG and SVG: `Top` puts the top of the capitals at the anchor,
//! `Center` their middle and `Bottom` the bottom of the descenders (the font's descent); `Left`, `Center` and `Right` the start,
//! middle or end of the advance width. SVG text stays text (the viewer lays it out); only its
//! baseline is moved to the same place.

use super::fonts;
use ab_glyph::{point, Font, FontRef, Glyph, PxScale, ScaleFont};
use plotters_backend::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// One line of text laid out on a baseline at y = 0, starting at pen x = 0.
pub(crate) struct Line {
    /// The glyphs, each positioned at its pen x.
    pub glyphs: Vec<Glyph>,
    /// The advance width: where the next glyph would start.
    pub width: f32,
}

/// Lays `s` out at `size` (plotters' text size: the font's ascent-to-descent height in pixels)
/// with the font's advances and kerning pairs.
pub(crate) fn layout(font: &FontRef<'_>, s: &str, size: f32) -> Line {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut glyphs = Vec::with_capacity(s.len());
    let mut x = 0.0f32;
    let mut prev = None;
    for c in s.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            x += scaled.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(size, point(x, 0.0)));
        x += scaled.h_advance(id);
        prev = Some(id);
    }
    Line { glyphs, width: x }
}

/// Height of the capitals above the baseline at `size`, in pixels (the top of 'H').
pub(crate) fn cap_height(font: &FontRef<'_>, size: f32) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    // ab_glyph keeps an outline's top (font units, y up) in `bounds.min.y`.
    font.outline(font.glyph_id('H'))
        .map(|o| o.bounds.min.y * scaled.v_scale_factor())
        .unwrap_or_else(|| scaled.ascent() * 0.75)
}

/// Vertical metrics of the font at one size, in pixels: capital height and descent (below the
/// baseline, positive).
#[derive(Clone, Copy)]
pub(crate) struct Metrics {
    cap: f32,
    descent: f32,
}

impl Metrics {
    /// The metrics at `size`.
    pub(crate) fn at(font: &FontRef<'_>, size: f32) -> Metrics {
        Metrics {
            cap: cap_height(font, size),
            descent: -font.as_scaled(PxScale::from(size)).descent(),
        }
    }
}

/// Where a line of advance width `width` starts and where its baseline lies, in whole pixels
/// relative to the anchor.
pub(crate) fn origin(width: f32, m: Metrics, anchor: Pos) -> (i32, i32) {
    let x = match anchor.h_pos {
        HPos::Left => 0.0,
        HPos::Center => -width / 2.0,
        HPos::Right => -width,
    };
    let y = match anchor.v_pos {
        VPos::Top => m.cap,
        VPos::Center => m.cap / 2.0,
        VPos::Bottom => -m.descent,
    };
    (x.round() as i32, y.round() as i32)
}

/// Ink of `s` laid out at `size` with its pen start and baseline at (0, 0): pixel and coverage.
pub(crate) fn rasterize(font: &FontRef<'_>, s: &str, size: f32) -> Vec<((i32, i32), f32)> {
    let mut ink = Vec::new();
    for g in layout(font, s, size).glyphs {
        let Some(outline) = font.outline_glyph(g) else {
            continue; // a space
        };
        let b = outline.px_bounds();
        let (x0, y0) = (b.min.x as i32, b.min.y as i32);
        outline.draw(|x, y, c| {
            if c > 0.0 {
                ink.push(((x0 + x as i32, y0 + y as i32), c.min(1.0)));
            }
        });
    }
    ink
}

/// How a wrapped backend shows text.
#[derive(Clone, Copy)]
enum Mode {
    /// Pixels: glyphs rasterised here.
    Raster,
    /// Vector text (SVG): drawn by the backend, baseline moved to this module's anchors.
    Native,
}

/// A drawing backend whose text is laid out by this module; everything else is passed through.
pub struct Typeset<B> {
    inner: B,
    mode: Mode,
}

impl<B: DrawingBackend> Typeset<B> {
    /// Wraps a pixel backend (PNG): text is rasterised glyph by glyph.
    pub fn raster(inner: B) -> Self {
        Typeset {
            inner,
            mode: Mode::Raster,
        }
    }

    /// Wraps a vector backend (SVG): text stays text, placed on the same baselines.
    pub fn native(inner: B) -> Self {
        Typeset {
            inner,
            mode: Mode::Native,
        }
    }
}

/// Baseline of plotters' SVG text below its anchor, in pixels: its `dy` of 0.76em (top), 0.5ex
/// (centre) or −0.5ex (bottom), at its font size of `size / 1.24` (ex: DejaVu's x-height, 0.55em).
fn svg_baseline(size: f32, v: VPos) -> f32 {
    let em = size / 1.24;
    match v {
        VPos::Top => 0.76 * em,
        VPos::Center => 0.275 * em,
        VPos::Bottom => -0.275 * em,
    }
}

impl<B: DrawingBackend> DrawingBackend for Typeset<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.present()
    }
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let font = fonts::font();
        let size = style.size() as f32;
        let anchor = style.anchor();
        let metrics = Metrics::at(font, size);
        if let Mode::Native = self.mode {
            let (_, base) = origin(0.0, metrics, anchor);
            let dy = base - svg_baseline(size, anchor.v_pos).round() as i32;
            let shift = style.transform().transform(0, dy);
            return self
                .inner
                .draw_text(text, style, (pos.0 + shift.0, pos.1 + shift.1));
        }
        let (ox, oy) = origin(layout(font, text, size).width, metrics, anchor);
        let trans = style.transform();
        for ((x, y), c) in rasterize(font, text, size) {
            let (dx, dy) = trans.transform(ox + x, oy + y);
            let color = BackendColor {
                alpha: color.alpha * f64::from(c),
                rgb: color.rgb,
            };
            self.inner.draw_pixel((pos.0 + dx, pos.1 + dy), color)?;
        }
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<B::ErrorType>> {
        let size = style.size() as f32;
        let width = layout(fonts::font(), text, size).width;
        // The height plotters' own estimate gives, which its axis layout is tuned to.
        Ok((width.ceil() as u32, (size / 1.24) as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::fonts::{ensure_registered, FAMILY};
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    const X0: i32 = 10;
    const STRINGS: [&str; 5] = [
        "class_0",
        "Identity",
        "one dot per explained row",
        "od280/od315_of_diluted_wines",
        "AVAWAY Tv Ty",
    ];

    /// Each glyph's ink span [left, right) in pixels from the font's tables alone: the pen is the
    /// sum of advances and kerning pairs before it, the span its outline's horizontal bounds.
    fn metric_spans(s: &str, size: f32) -> (Vec<(f32, f32)>, f32) {
        let font = fonts::font();
        let scaled = font.as_scaled(PxScale::from(size));
        let (mut pen, mut prev, mut spans) = (X0 as f32, None, vec![]);
        for c in s.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            if let Some(o) = font.outline(id) {
                let h = scaled.h_scale_factor();
                spans.push((pen + o.bounds.min.x * h, pen + o.bounds.max.x * h));
            }
            pen += scaled.h_advance(id);
            prev = Some(id);
        }
        (spans, pen - X0 as f32)
    }

    /// Darkest coverage of each pixel column of `s` drawn black on white at (X0, 10), top-left
    /// anchored, through `Typeset` or (`plain`) plotters' own text drawing.
    fn column_ink(s: &str, size: f64, plain: bool) -> Vec<f32> {
        ensure_registered().unwrap();
        let (w, h) = (700u32, 60u32);
        let mut buf = vec![0u8; (w * h * 3) as usize];
        let style =
            TextStyle::from((FAMILY, size).into_font()).pos(Pos::new(HPos::Left, VPos::Top));
        let text = Text::new(s.to_string(), (X0, 10), style);
        /// Draws `text` on white through any backend.
        fn draw<DB: DrawingBackend>(backend: DB, text: &Text<'_, (i32, i32), String>) {
            let root = backend.into_drawing_area();
            root.fill(&WHITE).unwrap();
            root.draw(text).unwrap();
            root.present().unwrap();
        }
        let bitmap = BitMapBackend::with_buffer(&mut buf, (w, h));
        if plain {
            draw(bitmap, &text);
        } else {
            draw(Typeset::raster(bitmap), &text);
        }
        (0..w as usize)
            .map(|x| {
                (0..h as usize)
                    .map(|y| 1.0 - f32::from(buf[(y * w as usize + x) * 3]) / 255.0)
                    .fold(0.0, f32::max)
            })
            .collect()
    }

    /// What is wrong with the drawn columns against the metric spans: ink (coverage ≥ 1/2) in a
    /// column no glyph's span reaches (glyphs moved onto their neighbours' gaps), a glyph with no
    /// ink in its span, or a drawn extent more than a pixel off the metric one.
    fn layout_faults(ink: &[f32], spans: &[(f32, f32)]) -> Vec<String> {
        let mut faults = vec![];
        let allowed = |c: usize| {
            let c = c as f32;
            spans
                .iter()
                .any(|&(l, r)| c + 1.0 > l.floor() && c < r.ceil())
        };
        for (c, &v) in ink.iter().enumerate() {
            if v >= 0.5 && !allowed(c) {
                faults.push(format!(
                    "ink {v:.2} in column {c}, outside every glyph's span"
                ));
            }
        }
        for (i, &(l, r)) in spans.iter().enumerate() {
            let cols = (l.floor() as usize)..(r.ceil() as usize).min(ink.len());
            if !cols.clone().any(|c| ink[c] >= 0.5) {
                faults.push(format!("glyph {i}: no ink in columns {cols:?}"));
            }
        }
        let drawn: Vec<usize> = (0..ink.len()).filter(|&c| ink[c] >= 0.5).collect();
        let (first, last) = (spans[0].0, spans[spans.len() - 1].1);
        if let (Some(&a), Some(&b)) = (drawn.first(), drawn.last()) {
            let width = (b + 1 - a) as f32;
            if (width - (last - first)).abs() > 1.0 || (a as f32 - first).abs() > 1.0 {
                faults.push(format!(
                    "drawn columns {a}..={b}, metrics {first:.1}..{last:.1}"
                ));
            }
        }
        faults
    }

    #[test]
    fn glyphs_sit_where_the_fonts_advances_and_kerning_put_them() {
        for size in [14.0, 16.0, 22.0] {
            for s in STRINGS {
                let (spans, _) = metric_spans(s, size as f32);
                let faults = layout_faults(&column_ink(s, size, false), &spans);
                assert!(faults.is_empty(), "{s:?} at {size}: {faults:?}");
            }
        }
    }

    /// Gaps of whole pixel columns the font leaves between neighbouring outlines (pair index),
    /// and those drawn inked (every column of the gap with coverage ≥ 1/2).
    fn gap_faults(ink: &[f32], spans: &[(f32, f32)]) -> (Vec<usize>, Vec<usize>) {
        let (mut gaps, mut inked) = (vec![], vec![]);
        for (i, pair) in spans.windows(2).enumerate() {
            let gap = (pair[0].1.ceil() as usize)..(pair[1].0.floor() as usize);
            if gap.is_empty() {
                continue;
            }
            gaps.push(i);
            if ink[gap].iter().all(|&v| v >= 0.5) {
                inked.push(i);
            }
        }
        (gaps, inked)
    }

    #[test]
    fn neighbouring_glyphs_keep_their_gaps() {
        // Where the font leaves a whole pixel column between two outlines (as between "c" and
        // "l", which plotters drew touching: "dass_0"), that column stays light.
        let mut checked = 0;
        for s in STRINGS {
            for size in [14.0f32, 16.0, 22.0] {
                let (spans, _) = metric_spans(s, size);
                let (gaps, inked) = gap_faults(&column_ink(s, size.into(), false), &spans);
                assert!(
                    inked.is_empty(),
                    "{s:?} at {size}: gaps after glyphs {inked:?} inked"
                );
                if s == "class_0" && size == 16.0 {
                    assert!(gaps.contains(&0), "no gap between c and l: {gaps:?}");
                }
                checked += gaps.len();
            }
        }
        assert!(checked > 60, "{checked}");
    }

    #[test]
    fn widths_are_the_advance_widths() {
        let font = fonts::font();
        for s in STRINGS {
            for size in [14.0f32, 16.0] {
                let (_, advance) = metric_spans(s, size);
                assert!(
                    (layout(font, s, size).width - advance).abs() < 1e-3,
                    "{s:?}"
                );
                let mut buf = vec![0u8; 3 * 10 * 10];
                let b = Typeset::raster(BitMapBackend::with_buffer(&mut buf, (10, 10)));
                let style = TextStyle::from((FAMILY, f64::from(size)).into_font());
                let (w, _) = b.estimate_text_size(s, &style).unwrap();
                assert_eq!(w, advance.ceil() as u32, "{s:?} at {size}");
            }
        }
    }

    #[test]
    fn the_checks_catch_plotters_own_layout() {
        // Guards the oracles: plotters' ab_glyph text (side bearings dropped, pens truncated)
        // fails both on these strings.
        let (mut layout, mut gaps) = (0, 0);
        for s in STRINGS {
            let ink = column_ink(s, 16.0, true);
            let spans = metric_spans(s, 16.0).0;
            layout += layout_faults(&ink, &spans).len();
            gaps += gap_faults(&ink, &spans).1.len();
        }
        assert!(
            layout > 0 && gaps > 0,
            "plotters' layout passed: {layout} {gaps}"
        );
    }

    #[test]
    fn anchors_place_capitals_and_baselines() {
        let m = Metrics::at(fonts::font(), 16.0);
        assert!((m.cap - 16.0 * 1493.0 / 2384.0).abs() < 0.01, "{}", m.cap);
        let top = Pos::new(HPos::Right, VPos::Top);
        assert_eq!(origin(10.4, m, top), (-10, m.cap.round() as i32));
        let bottom = Pos::new(HPos::Center, VPos::Bottom);
        assert_eq!(origin(10.0, m, bottom), (-5, -m.descent.round() as i32));
    }
}
