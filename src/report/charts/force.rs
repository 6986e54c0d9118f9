//! Force view of one row and output (shap's force plot, as a file): one horizontal band from
//! E[f(X)] to f(x); red contributions push up from the left, blue ones push down from the right,
//! meeting at f(x). Wide segments are labelled `name = value`.

use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult};
use super::waterfall::{feature_label, row_title};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Size of a force chart.
pub const FORCE_SIZE: (u32, u32) = (1200, 260);

/// What the end of the band is called: f(x) for SHAP (efficiency), base + Σφ for LIME.
fn end_name(file: &ExplanationFile) -> &'static str {
    if file.meta.method == crate::explain::Method::Lime {
        "E + Σφ"
    } else {
        "f(x)"
    }
}

struct Segment {
    label: String,
    /// Where the segment starts and ends on the output axis.
    from: f64,
    to: f64,
    phi: f64,
}

pub(crate) struct Force {
    title: String,
    subtitle: String,
    base: f64,
    fx: f64,
    end: &'static str,
    segments: Vec<Segment>,
}

impl Force {
    pub(crate) fn new(file: &ExplanationFile, row: usize, k: usize) -> Self {
        let phi: Vec<f64> = file.values[row].iter().map(|v| v[k]).collect();
        let base = file.base_values[row][k];
        let fx = base + phi.iter().sum::<f64>();
        let mut order: Vec<usize> = (0..phi.len()).filter(|&j| phi[j] != 0.0).collect();
        order.sort_by(|&a, &b| phi[b].abs().total_cmp(&phi[a].abs()).then(a.cmp(&b)));
        // Largest contributions next to f(x): positives stack leftwards from f(x), negatives
        // rightwards.
        let (mut left, mut right) = (fx, fx);
        let segments = order
            .iter()
            .map(|&j| {
                let (from, to) = if phi[j] > 0.0 {
                    left -= phi[j];
                    (left, left + phi[j])
                } else {
                    right -= phi[j];
                    (right + phi[j], right)
                };
                Segment {
                    label: feature_label(file, row, k, j),
                    from,
                    to,
                    phi: phi[j],
                }
            })
            .collect();
        Force {
            title: row_title(file, row, k),
            subtitle: format!(
                "E[f(X)] = {}  →  {} = {}: red features push the output up, blue down",
                style::num(base),
                end_name(file),
                style::num(fx)
            ),
            base,
            fx,
            end: end_name(file),
            segments,
        }
    }
}

impl Chart for Force {
    fn size(&self) -> (u32, u32) {
        FORCE_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&palette::BACKGROUND)?;
        style::draw_header(root, &self.title, &self.subtitle)?;
        let lo = self
            .segments
            .iter()
            .map(|s| s.from)
            .fold(self.base.min(self.fx), f64::min);
        let hi = self
            .segments
            .iter()
            .map(|s| s.to)
            .fold(self.base.max(self.fx), f64::max);
        let (lo, hi) = style::padded(lo, hi, 0.03);
        let mut chart = ChartBuilder::on(root)
            .margin_top(110)
            .margin_left(30)
            .margin_right(30)
            .x_label_area_size(30)
            .build_cartesian_2d(lo..hi, 0.0..1.0)?;
        let fmt = style::tick_formatter(lo, hi);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .light_line_style(palette::BACKGROUND)
            .bold_line_style(palette::GRID)
            .axis_style(palette::AXIS)
            .x_labels(9)
            .x_label_formatter(&fmt)
            .x_label_style(style::text(style::SMALL_SIZE, palette::TEXT))
            .draw()?;
        let label = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Center, VPos::Top);
        for s in &self.segments {
            let (x0, y0) = chart.backend_coord(&(s.from, 0.75));
            let (x1, y1) = chart.backend_coord(&(s.to, 0.45));
            root.draw(&Rectangle::new(
                [(x0, y0), (x1.max(x0 + 1), y1)],
                palette::signed(s.phi).filled(),
            ))?;
            root.draw(&PathElement::new(
                vec![(x1, y0), (x1, y1)],
                palette::BACKGROUND.stroke_width(1),
            ))?;
            // The whole label when it fits under the segment, else the name cut short.
            let full = format!("{} ({})", s.label, style::signed_num(s.phi));
            let text = [full, style::truncate_to(&s.label, 14)]
                .into_iter()
                .find(|t| style::text_width(root, t, label.style()) < x1 - x0 - 4);
            if let Some(text) = text {
                root.draw(&label.at(text, ((x0 + x1) / 2, y1 + 6)))?;
            }
        }
        let ink = palette::TEXT.stroke_width(2);
        let (fx, top) = chart.backend_coord(&(self.fx, 0.95));
        let (_, bottom) = chart.backend_coord(&(self.fx, 0.3));
        root.draw(&PathElement::new(vec![(fx, top), (fx, bottom)], ink))?;
        let bold = style::anchored(style::LABEL_SIZE, palette::TEXT, HPos::Center, VPos::Bottom);
        root.draw(&bold.at(
            format!("{} = {}", self.end, style::num(self.fx)),
            (fx, top - 2),
        ))?;
        let (bx, _) = chart.backend_coord(&(self.base, 0.0));
        root.draw(&PathElement::new(
            vec![(bx, top + 8), (bx, bottom)],
            palette::REFERENCE.stroke_width(1),
        ))?;
        let sub = style::anchored(
            style::SMALL_SIZE,
            palette::SUBTLE,
            HPos::Center,
            VPos::Bottom,
        );
        if (bx - fx).abs() > 90 {
            root.draw(&sub.at(
                format!("E[f(X)] = {}", style::num(self.base)),
                (bx, top + 6),
            ))?;
        }
        Ok(())
    }
}
