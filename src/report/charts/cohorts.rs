//! Cohort comparison: rows split in two by a condition on a feature's value or on the
//! prediction, and each cohort's mean |φ| per feature with a 95% interval (± 1.96·sd/√n), the
//! top features by mean |φ| over all rows.

use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult, RowFrame};
use super::{mean_abs, ranking, scatter::player_values};
use crate::error::{Error, Result};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// What a cohort condition looks at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SplitOn {
    /// f(x) of the chart's output.
    Prediction,
    /// The value of a feature (player standing for one input).
    Feature(usize),
}

/// Rows where `on` is `>= at` (or `< at` when `!at_least`) form cohort A, the others B.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohortSplit {
    /// What the condition looks at.
    pub on: SplitOn,
    /// The threshold.
    pub at: f64,
    /// `>=` (true) or `<` (false).
    pub at_least: bool,
}

impl CohortSplit {
    /// Parses `NAME>=V`, `NAME<V` (a feature name or index) or `prediction>=V`.
    pub fn parse(file: &ExplanationFile, spec: &str) -> Result<CohortSplit> {
        let bad = || {
            Error::Chart(format!(
                "cohort '{spec}' is not NAME>=VALUE or NAME<VALUE (NAME a feature or 'prediction')"
            ))
        };
        let (name, value, at_least) = match (spec.split_once(">="), spec.split_once('<')) {
            (Some((n, v)), _) => (n, v, true),
            (None, Some((n, v))) => (n, v, false),
            _ => return Err(bad()),
        };
        let at: f64 = value.trim().parse().map_err(|_| bad())?;
        let name = name.trim();
        let on = if name == "prediction" {
            SplitOn::Prediction
        } else {
            SplitOn::Feature(super::resolve_feature(file, name)?)
        };
        Ok(CohortSplit { on, at, at_least })
    }

    /// The median prediction of output `k`: cohort A the upper half.
    pub fn median_prediction(file: &ExplanationFile, k: usize) -> CohortSplit {
        let mut p: Vec<f64> = file.predictions.iter().map(|p| p[k]).collect();
        p.sort_by(f64::total_cmp);
        CohortSplit {
            on: SplitOn::Prediction,
            at: p.get(p.len().saturating_sub(1) / 2).copied().unwrap_or(0.0),
            at_least: true,
        }
    }

    /// Whether each row is in cohort A.
    pub fn members(&self, file: &ExplanationFile, k: usize) -> Result<Vec<bool>> {
        let values = match self.on {
            SplitOn::Prediction => file.predictions.iter().map(|p| p[k]).collect(),
            SplitOn::Feature(j) => player_values(file, j)?,
        };
        Ok(values
            .iter()
            .map(|&v| {
                if self.at_least {
                    v >= self.at
                } else {
                    v < self.at
                }
            })
            .collect())
    }

    /// The condition as text, e.g. `bmi ≥ 0.02`.
    pub fn describe(&self, file: &ExplanationFile) -> String {
        let name = match self.on {
            SplitOn::Prediction => "prediction".to_string(),
            SplitOn::Feature(j) => style::truncate(&file.feature_names[j]),
        };
        let op = if self.at_least { "≥" } else { "<" };
        format!("{name} {op} {}", style::num(self.at))
    }
}

/// Mean |φ| of feature `j` for output `k` over the rows where `keep`, and the half width of
/// its 95% interval.
pub fn cohort_mean(file: &ExplanationFile, j: usize, k: usize, keep: &[bool]) -> (f64, f64) {
    let v: Vec<f64> = file
        .values
        .iter()
        .zip(keep)
        .filter(|(_, &in_it)| in_it)
        .map(|(r, _)| r[j][k].abs())
        .collect();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, 1.959_964 * (var / n).sqrt())
}

pub(crate) struct Cohorts {
    title: String,
    subtitle: String,
    labels: Vec<String>,
    /// Per feature: (mean, half width) of cohorts A and B.
    bars: Vec<[(f64, f64); 2]>,
    legend: [String; 2],
}

impl Cohorts {
    /// Fails when a cohort is empty or the condition's feature has no one value per row.
    pub(crate) fn new(
        file: &ExplanationFile,
        k: usize,
        top: usize,
        split: &CohortSplit,
    ) -> Result<Self> {
        let a = split.members(file, k)?;
        let b: Vec<bool> = a.iter().map(|x| !x).collect();
        let (na, nb) = (
            a.iter().filter(|x| **x).count(),
            b.iter().filter(|x| **x).count(),
        );
        if na == 0 || nb == 0 {
            return Err(Error::Chart(format!(
                "cohort '{}' holds {na} of the {} rows: both cohorts need rows",
                split.describe(file),
                file.values.len()
            )));
        }
        let order = ranking(&mean_abs(file, k));
        let shown = &order[..order.len().min(top.max(1))];
        Ok(Cohorts {
            title: style::chart_title(
                &file.meta.model,
                &format!("cohorts  ·  output {}", file.output_names[k]),
                file.meta.method,
            ),
            subtitle: format!(
                "mean |φ| per cohort with 95% intervals (±1.96·sd/√n), top {} of {} features",
                shown.len(),
                order.len()
            ),
            labels: shown
                .iter()
                .map(|&j| style::truncate(&file.feature_names[j]))
                .collect(),
            bars: shown
                .iter()
                .map(|&j| [cohort_mean(file, j, k, &a), cohort_mean(file, j, k, &b)])
                .collect(),
            legend: [
                format!("A: {} ({na} rows)", split.describe(file)),
                format!("B: the other {nb} rows"),
            ],
        })
    }
}

/// Cohort colours: blue and orange (distinguishable with colour-blind vision).
fn cohort_colour(c: usize) -> RGBColor {
    palette::categorical(c)
}

impl Chart for Cohorts {
    fn size(&self) -> (u32, u32) {
        style::row_chart_size(
            self.labels.len(),
            style::ROW_HEIGHT,
            style::LEGEND_WIDTH + 110,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let n = self.labels.len();
        let hi = self
            .bars
            .iter()
            .flatten()
            .map(|(m, h)| m + h)
            .fold(0.0f64, f64::max);
        let hi = if hi > 0.0 { hi * 1.1 } else { 1.0 };
        let frame = RowFrame {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            labels: self.labels.clone(),
            x_range: (0.0, hi),
            x_desc: "mean |SHAP value|".into(),
            row_height: style::ROW_HEIGHT,
            extra_right: style::LEGEND_WIDTH + 110,
            row_rules: false,
        };
        let chart = style::draw_row_frame(root, &frame)?;
        let bar_h = 10;
        let ink = palette::ERROR_BAR.stroke_width(1);
        for (i, pair) in self.bars.iter().enumerate() {
            for (c, &(mean, half)) in pair.iter().enumerate() {
                let (x0, yc) = chart.backend_coord(&(0.0, style::row_y(n, i)));
                let yc = yc - bar_h + c as i32 * (bar_h + 2) - 1;
                let (x1, _) = chart.backend_coord(&(mean, 0.0));
                root.draw(&Rectangle::new(
                    [(x0, yc), (x1.max(x0 + 1), yc + bar_h)],
                    cohort_colour(c).filled(),
                ))?;
                let (lo, _) = chart.backend_coord(&((mean - half).max(0.0), 0.0));
                let (hi, _) = chart.backend_coord(&(mean + half, 0.0));
                let ym = yc + bar_h / 2;
                root.draw(&PathElement::new(vec![(lo, ym), (hi, ym)], ink))?;
                for x in [lo, hi] {
                    root.draw(&PathElement::new(vec![(x, ym - 3), (x, ym + 3)], ink))?;
                }
            }
        }
        let (x, y0) = chart.backend_coord(&(hi, n as f64));
        let s = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Left, VPos::Center);
        for (c, name) in self.legend.iter().enumerate() {
            let yc = y0 + 10 + 22 * c as i32;
            root.draw(&Rectangle::new(
                [(x + 24, yc - 7), (x + 38, yc + 7)],
                cohort_colour(c).filled(),
            ))?;
            root.draw(&s.at(style::truncate_to(name, 36), (x + 46, yc)))?;
        }
        Ok(())
    }
}
