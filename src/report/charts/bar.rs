//! Signed attributions of one row and output: the largest |φ| on top, the rest summed.

use super::others_label;
use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult, RowFrame};
use super::waterfall::{draw_error_bar, draw_value, feature_label, row_title, split_features};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;

struct Item {
    label: String,
    phi: f64,
    stderr: Option<f64>,
}

pub(crate) struct Bar {
    title: String,
    subtitle: String,
    items: Vec<Item>,
    /// The last item sums the features not shown.
    has_others: bool,
}

impl Bar {
    pub(crate) fn new(file: &ExplanationFile, row: usize, output: usize, top: usize) -> Self {
        let (shown, rest) = split_features(file, row, output, top);
        let phi = |j: usize| file.values[row][j][output];
        let mut items: Vec<Item> = shown
            .iter()
            .map(|&j| Item {
                label: feature_label(file, row, output, j),
                phi: phi(j),
                stderr: file.stderr.as_ref().map(|s| s[row][j][output]),
            })
            .collect();
        if !rest.is_empty() {
            items.push(Item {
                label: others_label(rest.len()),
                phi: rest.iter().map(|&j| phi(j)).sum(),
                stderr: None,
            });
        }
        let mut subtitle = format!(
            "φ per feature (red raises the output, blue lowers it)   f(x) = {}   E[f(X)] = {}",
            style::num(file.predictions[row][output]),
            style::num(file.base_values[row][output])
        );
        if file.stderr.is_some() {
            subtitle += ";  error bars ±1 s.e.";
        }
        Bar {
            title: row_title(file, row, output),
            subtitle,
            has_others: !rest.is_empty(),
            items,
        }
    }
}

impl Chart for Bar {
    fn size(&self) -> (u32, u32) {
        style::row_chart_size(self.items.len(), style::ROW_HEIGHT, 0)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let n = self.items.len();
        let main = n - usize::from(self.has_others);
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for it in &self.items[..main] {
            let e = it.stderr.unwrap_or(0.0);
            lo = lo.min(it.phi - e);
            hi = hi.max(it.phi + e);
        }
        let others = self
            .has_others
            .then(|| (self.items[main].phi.min(0.0), self.items[main].phi.max(0.0)));
        let ((lo, hi), clipped) = style::span_with_others((lo, hi), others);
        let x_range = style::padded(lo, hi, 0.16);
        let frame = RowFrame {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            labels: self.items.iter().map(|s| s.label.clone()).collect(),
            x_range,
            x_desc: "SHAP value φ (contribution to the output)".into(),
            row_height: style::ROW_HEIGHT,
            extra_right: 0,
            row_rules: false,
        };
        let chart = style::draw_row_frame(root, &frame)?;
        let (zx, _, _) = style::draw_zero_line(root, &chart, n)?;
        let bar_h = (style::ROW_HEIGHT as f64 * 0.7) as i32;
        let (left, _) = chart.backend_coord(&(x_range.0, 0.0));
        let (right, _) = chart.backend_coord(&(x_range.1, 0.0));
        for (i, it) in self.items.iter().enumerate() {
            let (x1, yc) = chart.backend_coord(&(it.phi, style::row_y(n, i)));
            let x1 = x1.clamp(left, right);
            let color = palette::signed(it.phi);
            let (x0, y0) = (zx.min(x1), yc - bar_h / 2);
            root.draw(&Rectangle::new(
                [(x0, y0), (x0 + (x1 - zx).abs().max(1), y0 + bar_h)],
                color.filled(),
            ))?;
            let mut se_px = 0;
            if let Some(se) = it.stderr {
                let (xe, _) = chart.backend_coord(&(it.phi + se, 0.0));
                se_px = (xe - x1).abs();
                draw_error_bar(root, x1, se_px, yc)?;
            }
            if clipped && i == main {
                let at = if it.phi >= 0.0 { x1 - 24 } else { x1 + 17 };
                style::draw_break(root, at, yc, bar_h)?;
                se_px = 30;
            }
            draw_value(root, &style::signed_num(it.phi), (zx, x1), se_px, yc, color)?;
        }
        Ok(())
    }
}
