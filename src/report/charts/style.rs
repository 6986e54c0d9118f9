//! Shared chart style: text styles, number and label formatting, sizes, and the frame shared by
//! the horizontal one-row-per-feature charts (waterfall, bar, global bar, beeswarm).

use super::fonts::FAMILY;
use super::palette;
use crate::explain::Method;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width of the row charts in pixels (beeswarm adds [`COLORBAR_WIDTH`]).
pub const WIDTH: u32 = 1000;
/// Height of one feature row in waterfall, bar and global bar charts.
pub const ROW_HEIGHT: u32 = 30;
/// Height of one feature row in beeswarm charts.
pub const BEESWARM_ROW_HEIGHT: u32 = 36;
/// Extra width of a beeswarm chart for its colour bar.
pub const COLORBAR_WIDTH: u32 = 110;
/// Extra width of a stacked global bar chart for its legend.
pub const LEGEND_WIDTH: u32 = 190;
/// Feature names longer than this are cut with an ellipsis.
pub const MAX_NAME_CHARS: usize = 28;
/// Left area holding the row labels.
const LABEL_AREA: u32 = 320;
/// Title and subtitle band.
const HEADER: u32 = 76;
/// Space between the header and the plot (annotations such as f(x) go there).
const PLOT_TOP_GAP: u32 = 26;
/// X axis labels and caption.
const FOOTER: u32 = 62;
const RIGHT_MARGIN: u32 = 46;

/// Title text size.
pub const TITLE_SIZE: f64 = 22.0;
/// Subtitle, label and value text size.
pub const LABEL_SIZE: f64 = 16.0;
/// Small text: tick labels, values, notes.
pub const SMALL_SIZE: f64 = 14.0;

/// Pixel size of a row chart with `rows` feature rows, `row_height` pixels each, and `extra_right`
/// pixels on the right (colour bar or legend).
pub fn row_chart_size(rows: usize, row_height: u32, extra_right: u32) -> (u32, u32) {
    (
        WIDTH + extra_right,
        HEADER + PLOT_TOP_GAP + rows as u32 * row_height + FOOTER,
    )
}

/// Pixel rows `[top, bottom)` of feature row `i` (from the top) of a row chart.
pub fn row_band(i: usize, row_height: u32) -> (u32, u32) {
    let top = HEADER + PLOT_TOP_GAP + i as u32 * row_height;
    (top, top + row_height)
}

/// A drawing failure, carried as text into [`crate::Error`].
#[derive(Debug)]
pub struct DrawErr(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawErr {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawErr(e.to_string())
    }
}

/// Result of drawing code.
pub type DrawResult<T = ()> = std::result::Result<T, DrawErr>;

/// A text style of the embedded font.
pub fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle {
        color: color.to_backend_color(),
        ..TextStyle::from((FAMILY, size).into_font())
    }
}

/// Text of one size and colour anchored at `h`/`v` (anchors as `charts::typeset` defines them:
/// `Top` is the top of the capitals, `Center` their middle, `Bottom` the bottom of descenders).
#[derive(Clone)]
pub struct Label {
    style: TextStyle<'static>,
}

impl Label {
    /// `s` anchored at (`x`, `y`).
    pub fn at(
        &self,
        s: impl Into<String>,
        (x, y): (i32, i32),
    ) -> Text<'static, (i32, i32), String> {
        Text::new(s.into(), (x, y), self.style.clone())
    }

    /// The underlying style (for measuring text).
    pub fn style(&self) -> &TextStyle<'static> {
        &self.style
    }
}

/// A [`Label`] of `size` and `color` anchored at `h`/`v`.
pub fn anchored(size: f64, color: RGBColor, h: HPos, v: VPos) -> Label {
    Label {
        style: text(size, color).pos(Pos::new(h, v)),
    }
}

/// Cuts `name` to [`MAX_NAME_CHARS`] characters, ending in an ellipsis when cut.
pub fn truncate(name: &str) -> String {
    truncate_to(name, MAX_NAME_CHARS)
}

/// Cuts `s` to `n` characters, ending in an ellipsis when cut.
pub fn truncate_to(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A number with about three significant digits (scientific when very small or large).
pub fn num(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    let s = if !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else {
        let decimals = (2 - a.log10().floor() as i32).clamp(0, 5) as usize;
        format!("{v:.decimals$}")
    };
    s.replace('-', "\u{2212}")
}

/// A signed number: `+0.123` or `−0.123`.
pub fn signed_num(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", num(v))
    } else {
        num(v)
    }
}

/// Tick labels with as many decimals as the axis span needs.
pub fn tick_formatter(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let step = ((hi - lo).abs() / 8.0).max(f64::MIN_POSITIVE);
    let scientific = hi.abs().max(lo.abs()) >= 1e5 || step < 1e-5;
    let decimals = ((-step.log10()).ceil() as i32).clamp(0, 6) as usize;
    move |v: &f64| {
        let v = if v.abs() < step * 1e-6 { 0.0 } else { *v };
        let s = if scientific {
            format!("{v:.1e}")
        } else {
            format!("{v:.decimals$}")
        };
        s.replace('-', "\u{2212}")
    }
}

/// How a method is named in titles.
pub fn method_label(method: Method) -> &'static str {
    match method {
        Method::Exact => "exact SHAP",
        Method::Kernel => "kernel SHAP",
        Method::Permutation => "permutation SHAP",
        Method::Partition => "partition SHAP",
        Method::Lime => "LIME",
    }
}

/// The model's file name (titles name the file, not its folder).
pub fn model_name(model: &str) -> String {
    std::path::Path::new(model)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| model.to_string())
}

/// Draws a title and a subtitle at the top left of `root`.
pub fn draw_header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> DrawResult {
    let width = root.dim_in_pixel().0 as i32 - 40;
    let t = anchored(TITLE_SIZE, palette::TEXT, HPos::Left, VPos::Top);
    root.draw(&t.at(fit(root, title, width, t.style()), (20, 14)))?;
    let t = anchored(LABEL_SIZE, palette::SUBTLE, HPos::Left, VPos::Top);
    root.draw(&t.at(fit(root, subtitle, width, t.style()), (20, 46)))?;
    Ok(())
}

/// `s`, cut with an ellipsis until it is at most `width` pixels wide.
pub fn fit<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &str,
    width: i32,
    style: &TextStyle,
) -> String {
    let mut n = s.chars().count();
    let mut t = s.to_string();
    while n > 1 && text_width(root, &t, style) > width {
        n -= 1;
        t = truncate_to(s, n);
    }
    t
}

/// What a row chart shows: header, one label per row (top to bottom), the x range and caption.
pub struct RowFrame {
    /// First header line.
    pub title: String,
    /// Second header line.
    pub subtitle: String,
    /// Row labels, top row first.
    pub labels: Vec<String>,
    /// X axis range.
    pub x_range: (f64, f64),
    /// X axis caption.
    pub x_desc: String,
    /// Pixels per row.
    pub row_height: u32,
    /// Extra pixels on the right.
    pub extra_right: u32,
    /// Light rule through the centre of each row (beeswarm).
    pub row_rules: bool,
}

/// The chart context of a row chart: x in data units, y in rows (row `i` from the top is centred
/// at [`row_y`]).
pub type RowChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Y coordinate of the centre of row `i` (from the top) of `n` rows.
pub fn row_y(n: usize, i: usize) -> f64 {
    n as f64 - i as f64 - 0.5
}

/// Draws the background, header, x axis, grid and row labels; returns the chart to draw into.
pub fn draw_row_frame<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    f: &RowFrame,
) -> DrawResult<RowChart<'a, DB>> {
    root.fill(&palette::BACKGROUND)?;
    draw_header(root, &f.title, &f.subtitle)?;
    let n = f.labels.len();
    let (lo, hi) = f.x_range;
    let mut chart = ChartBuilder::on(root)
        .margin_top(HEADER + PLOT_TOP_GAP)
        .margin_left(LABEL_AREA)
        .margin_right(RIGHT_MARGIN + f.extra_right)
        .x_label_area_size(FOOTER)
        .y_label_area_size(0)
        .build_cartesian_2d(lo..hi, 0.0..n as f64)?;
    let fmt = tick_formatter(lo, hi);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .light_line_style(palette::BACKGROUND)
        .bold_line_style(palette::GRID)
        .axis_style(palette::AXIS)
        .x_labels(9)
        .x_label_formatter(&fmt)
        .x_label_style(text(SMALL_SIZE, palette::TEXT))
        .x_desc(f.x_desc.as_str())
        .axis_desc_style(text(LABEL_SIZE, palette::SUBTLE))
        .draw()?;
    if f.row_rules {
        for i in 0..n {
            let y = row_y(n, i);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(lo, y), (hi, y)],
                palette::ROW_RULE.stroke_width(1),
            )))?;
        }
    }
    let label = anchored(LABEL_SIZE, palette::TEXT, HPos::Right, VPos::Center);
    for (i, l) in f.labels.iter().enumerate() {
        let (_, py) = chart.backend_coord(&(lo, row_y(n, i)));
        root.draw(&label.at(l.clone(), (LABEL_AREA as i32 - 12, py)))?;
    }
    Ok(chart)
}

/// Pads a data range so bars and their value labels fit: `frac` of the span on each side.
pub fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    let span = if hi - lo > 0.0 {
        hi - lo
    } else {
        lo.abs().max(1.0) * 0.1
    };
    (lo - span * frac, hi + span * frac)
}

/// The x span of a chart showing `main` (individual features) and `others` (their sum): both,
/// unless the sum would widen the span more than 1.5 times, which would squash the individual
/// features; then `main` only, and `true` (the sum is drawn cut at the edge).
pub fn span_with_others(main: (f64, f64), others: Option<(f64, f64)>) -> ((f64, f64), bool) {
    let Some((olo, ohi)) = others else {
        return (main, false);
    };
    let (lo, hi) = main;
    let (lo2, hi2) = (lo.min(olo), hi.max(ohi));
    if hi2 - lo2 <= 1.5 * (hi - lo) || hi - lo <= 0.0 {
        ((lo2, hi2), false)
    } else {
        ((lo, hi), true)
    }
}

/// Marks a bar cut at the axis edge: two white slashes across it at pixel `x`.
pub fn draw_break<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: i32,
    yc: i32,
    h: i32,
) -> DrawResult {
    let s = palette::BACKGROUND.stroke_width(3);
    for dx in [0, 7] {
        root.draw(&PathElement::new(
            vec![(x + dx - 4, yc + h / 2 + 2), (x + dx + 4, yc - h / 2 - 2)],
            s,
        ))?;
    }
    Ok(())
}

/// Width in pixels of `s` drawn with `style` (0 if it cannot be measured).
pub fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
) -> i32 {
    root.estimate_text_size(s, style)
        .map(|(w, _)| w as i32)
        .unwrap_or(0)
}

/// A chart title: model file, what is shown (e.g. `output digit 7`), and the method.
pub fn chart_title(model: &str, what: &str, method: Method) -> String {
    format!(
        "{}  ·  {what}  ·  {}",
        model_name(model),
        method_label(method)
    )
}

/// The vertical φ = 0 line across all `rows` rows of a row chart; returns its x, top and bottom pixels.
pub fn draw_zero_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &RowChart<DB>,
    rows: usize,
) -> DrawResult<(i32, i32, i32)> {
    let (zx, top) = chart.backend_coord(&(0.0, rows as f64));
    let (_, bottom) = chart.backend_coord(&(0.0, 0.0));
    root.draw(&PathElement::new(
        vec![(zx, top), (zx, bottom)],
        palette::REFERENCE.stroke_width(1),
    ))?;
    Ok((zx, top, bottom))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_short() {
        assert_eq!(num(0.123456), "0.123");
        assert_eq!(num(-12.345), "\u{2212}12.3");
        assert_eq!(num(1234.5), "1234");
        assert_eq!(num(0.0001234), "1.23e\u{2212}4");
        assert_eq!(signed_num(0.5), "+0.500");
        assert_eq!(truncate("short"), "short");
        let t = truncate("a feature name that is much longer than the limit");
        assert_eq!(t.chars().count(), MAX_NAME_CHARS);
        assert!(t.ends_with('…'));
        assert_eq!(tick_formatter(0.0, 1.0)(&0.2), "0.2");
        assert_eq!(tick_formatter(-1.0, 1.0)(&-0.5), "\u{2212}0.5");
        assert_eq!(model_name("models/x.onnx"), "x.onnx");
    }
}
