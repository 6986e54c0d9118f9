//! Waterfall of one row and output: E[f(X)] at the bottom, each contribution an arrow, f(x) at
//! the top (shap's layout), the largest contribution on top and the rest summed at the bottom.

use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult, RowFrame};
use super::{others_label, ranking, shown_features};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One bar: a label, where it starts and ends, and its error bar.
pub(crate) struct Step {
    pub label: String,
    pub phi: f64,
    pub start: f64,
    pub stderr: Option<f64>,
}

pub(crate) struct Waterfall {
    title: String,
    subtitle: String,
    /// Top row first.
    steps: Vec<Step>,
    base: f64,
    /// Where the arrows end: f(x) for SHAP, the surrogate's prediction for LIME.
    end: f64,
    /// Names of the start and end lines.
    labels: (&'static str, &'static str),
}

/// Label of a feature row: LIME's rule for it (`worst smoothness > 0.52`, as lime's
/// `as_pyplot_figure`), else `name = value`.
pub(crate) fn feature_label(file: &ExplanationFile, row: usize, output: usize, j: usize) -> String {
    let rule = file
        .lime
        .as_ref()
        .and_then(|rows| rows.get(row))
        .and_then(|r| r.outputs.get(output))
        .and_then(|o| o.terms.iter().find(|t| t.index == j));
    if let Some(term) = rule {
        return style::truncate_to(&term.description, 2 * style::MAX_NAME_CHARS);
    }
    match file.player_value(row, j) {
        Some(v) => format!(
            "{} = {}",
            style::truncate(&file.feature_names[j]),
            style::num(v as f64)
        ),
        None => style::truncate(&file.feature_names[j]),
    }
}

/// The chart title of a single-row chart.
pub(crate) fn row_title(file: &ExplanationFile, row: usize, output: usize) -> String {
    style::chart_title(
        &file.meta.model,
        &format!(
            "row {}  ·  output {}",
            file.row_indices[row], file.output_names[output]
        ),
        file.meta.method,
    )
}

/// Features of a row by decreasing |φ|: (shown, rest); features with φ = 0 (LIME's unselected
/// ones, features equal to the whole background) are never shown on their own.
pub(crate) fn split_features(
    file: &ExplanationFile,
    row: usize,
    output: usize,
    top: usize,
) -> (Vec<usize>, Vec<usize>) {
    let abs: Vec<f64> = file.values[row].iter().map(|f| f[output].abs()).collect();
    let order = ranking(&abs);
    let nonzero = order.iter().take_while(|&&j| abs[j] > 0.0).count();
    let shown = shown_features(nonzero, top).min(nonzero).max(1);
    (order[..shown].to_vec(), order[shown..].to_vec())
}

impl Waterfall {
    pub(crate) fn new(file: &ExplanationFile, row: usize, output: usize, top: usize) -> Self {
        let (shown, rest) = split_features(file, row, output, top);
        let phi = |j: usize| file.values[row][j][output];
        let se = |j: usize| file.stderr.as_ref().map(|s| s[row][j][output]);
        let base = file.base_values[row][output];
        let prediction = file.predictions[row][output];
        // Bottom to top: the rest, then features by increasing |φ|.
        let mut bottom_up: Vec<(String, f64, Option<f64>)> = Vec::new();
        if !rest.is_empty() {
            let sum: f64 = rest.iter().map(|&j| phi(j)).sum();
            bottom_up.push((others_label(rest.len()), sum, None));
        }
        for &j in shown.iter().rev() {
            bottom_up.push((feature_label(file, row, output, j), phi(j), se(j)));
        }
        let mut cum = base;
        let mut steps: Vec<Step> = bottom_up
            .into_iter()
            .map(|(label, phi, stderr)| {
                let s = Step {
                    label,
                    phi,
                    start: cum,
                    stderr,
                };
                cum += phi;
                s
            })
            .collect();
        steps.reverse();
        // LIME's weights start at the surrogate's intercept and end at its local prediction.
        let lime = file.meta.method == crate::explain::Method::Lime;
        let labels = if lime {
            ("intercept", "surrogate")
        } else {
            ("E[f(X)]", "f(x)")
        };
        let mut subtitle = if lime {
            format!(
                "f(x) = {}   surrogate = {}   intercept = {}   red raises the output, blue lowers it",
                style::num(prediction),
                style::num(cum),
                style::num(base)
            )
        } else {
            format!(
                "f(x) = {}   E[f(X)] = {}   red raises the output, blue lowers it",
                style::num(prediction),
                style::num(base)
            )
        };
        if file.stderr.is_some() {
            subtitle += ";  error bars ±1 s.e.";
        }
        Waterfall {
            title: row_title(file, row, output),
            subtitle,
            steps,
            base,
            end: if lime { cum } else { prediction },
            labels,
        }
    }
}

/// Draws a horizontal arrow from `x0` to `x1` (pixels) centred at `yc`, `h` pixels high.
pub(crate) fn draw_arrow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x0: i32,
    x1: i32,
    yc: i32,
    h: i32,
    color: RGBColor,
) -> DrawResult {
    let (top, bot) = (yc - h / 2, yc + h / 2);
    let len = (x1 - x0).abs();
    if len < 2 {
        root.draw(&Rectangle::new(
            [(x0.min(x1), top), (x0.min(x1) + 1, bot)],
            color.filled(),
        ))?;
        return Ok(());
    }
    let head = len.min(9);
    let dir = if x1 >= x0 { 1 } else { -1 };
    let neck = x1 - dir * head;
    root.draw(&Polygon::new(
        vec![(x0, top), (neck, top), (x1, yc), (neck, bot), (x0, bot)],
        color.filled(),
    ))?;
    Ok(())
}

/// Draws ±`se` pixels around `x` at `yc`, with caps.
pub(crate) fn draw_error_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: i32,
    se: i32,
    yc: i32,
) -> DrawResult {
    if se < 1 {
        return Ok(());
    }
    let s = palette::ERROR_BAR.stroke_width(2);
    root.draw(&PathElement::new(vec![(x - se, yc), (x + se, yc)], s))?;
    for cx in [x - se, x + se] {
        root.draw(&PathElement::new(vec![(cx, yc - 5), (cx, yc + 5)], s))?;
    }
    Ok(())
}

/// Writes `value` inside the bar from `x0` to `x1` when it fits clear of the `se` pixels of
/// error bar (and arrow head) at `x1`, else beyond the error bar.
pub(crate) fn draw_value<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    value: &str,
    (x0, x1): (i32, i32),
    se: i32,
    yc: i32,
    color: RGBColor,
) -> DrawResult {
    let dir = if x1 >= x0 { 1 } else { -1 };
    let clear_end = x1 - dir * se.max(9);
    let outside_at = x1 + dir * se;
    let inside = style::anchored(
        style::SMALL_SIZE,
        palette::BACKGROUND,
        HPos::Center,
        VPos::Center,
    );
    let w = style::text_width(root, value, inside.style());
    if w + 12 < (clear_end - x0) * dir {
        root.draw(&inside.at(value, ((x0 + clear_end) / 2, yc)))?;
    } else if x1 >= x0 {
        let s = style::anchored(style::SMALL_SIZE, color, HPos::Left, VPos::Center);
        root.draw(&s.at(value, (outside_at + 6, yc)))?;
    } else {
        let s = style::anchored(style::SMALL_SIZE, color, HPos::Right, VPos::Center);
        root.draw(&s.at(value, (outside_at - 6, yc)))?;
    }
    Ok(())
}

impl Chart for Waterfall {
    fn size(&self) -> (u32, u32) {
        style::row_chart_size(self.steps.len(), style::ROW_HEIGHT, 0)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let n = self.steps.len();
        let mut lo = self.base.min(self.end);
        let mut hi = self.base.max(self.end);
        for s in &self.steps {
            let e = s.stderr.unwrap_or(0.0);
            for x in [s.start, s.start + s.phi - e, s.start + s.phi + e] {
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
        let x_range = style::padded(lo, hi, 0.14);
        let frame = RowFrame {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            labels: self.steps.iter().map(|s| s.label.clone()).collect(),
            x_range,
            x_desc: String::new(),
            row_height: style::ROW_HEIGHT,
            extra_right: 0,
            row_rules: false,
        };
        let chart = style::draw_row_frame(root, &frame)?;
        let px = |x: f64, i: usize| chart.backend_coord(&(x, style::row_y(n, i)));
        let (plot_top, plot_bottom) = {
            let (_, t) = chart.backend_coord(&(x_range.0, n as f64));
            let (_, b) = chart.backend_coord(&(x_range.0, 0.0));
            (t, b)
        };
        let bar_h = (style::ROW_HEIGHT as f64 * 0.7) as i32;
        // E[f(X)] and f(x) reference lines with their labels.
        let dashed = palette::REFERENCE.stroke_width(1);
        let (bx, _) = px(self.base, 0);
        let (fx, _) = px(self.end, 0);
        root.draw(&DashedPathElement::new(
            vec![(bx, plot_top), (bx, plot_bottom)],
            4,
            3,
            dashed,
        ))?;
        root.draw(&DashedPathElement::new(
            vec![(fx, plot_top), (fx, plot_bottom)],
            4,
            3,
            dashed,
        ))?;
        let note = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Center, VPos::Bottom);
        root.draw(&note.at(
            format!("{} = {}", self.labels.1, style::num(self.end)),
            (fx, plot_top - 6),
        ))?;
        let note = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Center, VPos::Top);
        root.draw(&note.at(
            format!("{} = {}", self.labels.0, style::num(self.base)),
            (bx, plot_bottom + 30),
        ))?;
        for (i, s) in self.steps.iter().enumerate() {
            let (x0, yc) = px(s.start, i);
            let (x1, _) = px(s.start + s.phi, i);
            let color = palette::signed(s.phi);
            draw_arrow(root, x0, x1, yc, bar_h, color)?;
            // Connector to the bar above, which starts where this one ends.
            if i > 0 {
                root.draw(&PathElement::new(
                    vec![
                        (x1, yc - bar_h / 2),
                        (x1, yc - style::ROW_HEIGHT as i32 + bar_h / 2),
                    ],
                    palette::REFERENCE.stroke_width(1),
                ))?;
            }
            let mut se_px = 0;
            if let Some(se) = s.stderr {
                let (xe, _) = px(s.start + s.phi + se, i);
                se_px = (xe - x1).abs();
                draw_error_bar(root, x1, se_px, yc)?;
            }
            draw_value(root, &style::signed_num(s.phi), (x0, x1), se_px, yc, color)?;
        }
        Ok(())
    }
}
