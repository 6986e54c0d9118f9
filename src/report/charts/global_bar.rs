//! Global importance: mean |φ| per feature over all rows, for one output or all outputs stacked.

use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult, RowFrame};
use super::{mean_abs, others_label, ranking, shown_features};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

pub(crate) struct GlobalBar {
    title: String,
    subtitle: String,
    labels: Vec<String>,
    /// Per row: one segment per output (a single segment for one output).
    segments: Vec<Vec<f64>>,
    /// Legend entries (empty for one output).
    legend: Vec<String>,
    /// The last row sums the features not shown.
    has_others: bool,
}

impl GlobalBar {
    pub(crate) fn new(file: &ExplanationFile, output: Option<usize>, top: usize) -> Self {
        let outputs: Vec<usize> = match output {
            Some(k) => vec![k],
            None => (0..file.output_names.len()).collect(),
        };
        let per_output: Vec<Vec<f64>> = outputs.iter().map(|&k| mean_abs(file, k)).collect();
        let m = file.feature_names.len();
        let totals: Vec<f64> = (0..m)
            .map(|j| per_output.iter().map(|v| v[j]).sum())
            .collect();
        let order = ranking(&totals);
        let shown = shown_features(m, top);
        let mut labels = Vec::new();
        let mut segments = Vec::new();
        for &j in &order[..shown] {
            labels.push(style::truncate(&file.feature_names[j]));
            segments.push(per_output.iter().map(|v| v[j]).collect());
        }
        if shown < m {
            labels.push(format!("sum of {}", others_label(m - shown)));
            segments.push(
                per_output
                    .iter()
                    .map(|v| order[shown..].iter().map(|&j| v[j]).sum())
                    .collect(),
            );
        }
        let which = match output {
            Some(k) => format!("output {}", file.output_names[k]),
            None if outputs.len() == 1 => format!("output {}", file.output_names[0]),
            None => format!("{} outputs stacked", outputs.len()),
        };
        let legend = if outputs.len() > 1 {
            outputs
                .iter()
                .map(|&k| style::truncate_to(&file.output_names[k], 18))
                .collect()
        } else {
            Vec::new()
        };
        GlobalBar {
            title: style::chart_title(
                &file.meta.model,
                &format!("global importance  ·  {which}"),
                file.meta.method,
            ),
            subtitle: format!(
                "mean |φ| over {} explained rows, top {} of {} features",
                file.values.len(),
                shown,
                m
            ),
            labels,
            segments,
            legend,
            has_others: shown < m,
        }
    }

    fn extra_right(&self) -> u32 {
        if self.legend.is_empty() {
            0
        } else {
            style::LEGEND_WIDTH
        }
    }
}

impl Chart for GlobalBar {
    fn size(&self) -> (u32, u32) {
        style::row_chart_size(self.labels.len(), style::ROW_HEIGHT, self.extra_right())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let n = self.labels.len();
        let totals: Vec<f64> = self.segments.iter().map(|s| s.iter().sum()).collect();
        let main = n - usize::from(self.has_others);
        let max = totals[..main].iter().copied().fold(0.0f64, f64::max);
        let others = self.has_others.then(|| (0.0, totals[main]));
        let ((_, max), clipped) = style::span_with_others((0.0, max), others);
        let hi = if max > 0.0 { max * 1.14 } else { 1.0 };
        let frame = RowFrame {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            labels: self.labels.clone(),
            x_range: (0.0, hi),
            x_desc: "mean |SHAP value|".into(),
            row_height: style::ROW_HEIGHT,
            extra_right: self.extra_right(),
            row_rules: false,
        };
        let chart = style::draw_row_frame(root, &frame)?;
        let bar_h = (style::ROW_HEIGHT as f64 * 0.7) as i32;
        let single = self.legend.is_empty();
        let (right, _) = chart.backend_coord(&(hi, 0.0));
        for (i, segs) in self.segments.iter().enumerate() {
            // The others row is one grey bar: its split by output says nothing of a feature.
            let total = [totals[i]];
            let is_others = self.has_others && i == main;
            let segs: &[f64] = if is_others { &total } else { segs };
            let y = style::row_y(n, i);
            let mut acc = 0.0;
            let mut end = chart.backend_coord(&(0.0, y));
            for (s, &v) in segs.iter().enumerate() {
                let (x0, yc) = chart.backend_coord(&(acc, y));
                acc += v;
                let (x1, _) = chart.backend_coord(&(acc, y));
                let (x0, x1) = (x0.min(right), x1.min(right));
                end = (x1, yc);
                if x1 > x0 {
                    let color = if is_others {
                        palette::OTHERS
                    } else if single {
                        palette::IMPORTANCE
                    } else {
                        palette::categorical(s)
                    };
                    root.draw(&Rectangle::new(
                        [(x0, yc - bar_h / 2), (x1, yc + bar_h / 2)],
                        color.filled(),
                    ))?;
                }
            }
            if clipped && i == main {
                style::draw_break(root, right - 24, end.1, bar_h)?;
                let s = style::anchored(
                    style::SMALL_SIZE,
                    palette::BACKGROUND,
                    HPos::Right,
                    VPos::Center,
                );
                root.draw(&s.at(style::num(acc), (right - 36, end.1)))?;
            } else {
                let s = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Left, VPos::Center);
                root.draw(&s.at(style::num(acc), (end.0 + 6, end.1)))?;
            }
        }
        if !single {
            let (x, y0) = chart.backend_coord(&(hi, n as f64));
            let x = x + 30;
            let s = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Left, VPos::Center);
            let head =
                style::anchored(style::SMALL_SIZE, palette::SUBTLE, HPos::Left, VPos::Center);
            root.draw(&head.at("output", (x, y0 + 2)))?;
            let (_, y1) = chart.backend_coord(&(hi, 0.0));
            let fit = ((y1 - y0 - 24) / 22).max(1) as usize;
            let shown = if self.legend.len() > fit {
                fit - 1
            } else {
                self.legend.len()
            };
            if shown < self.legend.len() {
                let yc = y0 + 24 + 22 * shown as i32;
                let more = format!("+ {} more", self.legend.len() - shown);
                root.draw(&s.at(more, (x + 22, yc)))?;
            }
            for (s_i, name) in self.legend.iter().enumerate().take(shown) {
                let yc = y0 + 24 + 22 * s_i as i32;
                root.draw(&Rectangle::new(
                    [(x, yc - 7), (x + 14, yc + 7)],
                    palette::categorical(s_i).filled(),
                ))?;
                root.draw(&s.at(name.clone(), (x + 22, yc)))?;
            }
        }
        Ok(())
    }
}
