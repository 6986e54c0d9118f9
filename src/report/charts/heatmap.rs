//! Heatmap of rows × features for one output (shap.plots.heatmap): one column per row, one band
//! per top feature, coloured by φ on the attribution scale (blue–white–red, symmetric at the
//! 99th percentile of |φ|), with f(x) of each row drawn above. Rows are ordered by prediction or
//! by similarity of their φ (a greedy nearest-neighbour chain from the largest prediction).

use super::colorbar::ColorBar;
use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult};
use super::{mean_abs, others_label, ranking, shown_features};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Most rows a heatmap draws (the first ones of the file).
pub const MAX_HEATMAP_ROWS: usize = 1000;
const BAND: u32 = 26;
const TOP: u32 = 90;
const FX_BAND: u32 = 90;
const LEFT: u32 = 300;
const PLOT_WIDTH: u32 = 760;
const RIGHT: u32 = 150;

/// How heatmap columns are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowOrder {
    /// Similar φ side by side (greedy nearest-neighbour chain).
    #[default]
    Similarity,
    /// Largest prediction first.
    Prediction,
}

/// Row order of `phi` rows `[n][m]` for predictions `f`.
pub fn order_rows(phi: &[Vec<f64>], f: &[f64], order: RowOrder) -> Vec<usize> {
    let n = f.len();
    let mut by_f: Vec<usize> = (0..n).collect();
    by_f.sort_by(|&a, &b| f[b].total_cmp(&f[a]).then(a.cmp(&b)));
    if order == RowOrder::Prediction || n == 0 {
        return by_f;
    }
    let dist = |a: usize, b: usize| -> f64 {
        phi[a]
            .iter()
            .zip(&phi[b])
            .map(|(x, y)| (x - y) * (x - y))
            .sum()
    };
    let mut seen = vec![false; n];
    let mut chain = vec![by_f[0]];
    seen[by_f[0]] = true;
    for _ in 1..n {
        let last = *chain.last().unwrap_or(&0);
        let next = (0..n)
            .filter(|&r| !seen[r])
            .min_by(|&a, &b| dist(last, a).total_cmp(&dist(last, b)).then(a.cmp(&b)))
            .unwrap_or(0);
        seen[next] = true;
        chain.push(next);
    }
    chain
}

pub(crate) struct Heatmap {
    title: String,
    subtitle: String,
    labels: Vec<String>,
    /// `[band][column]` φ.
    cells: Vec<Vec<f64>>,
    fx: Vec<f64>,
    limit: f64,
}

impl Heatmap {
    pub(crate) fn new(file: &ExplanationFile, k: usize, top: usize, order: RowOrder) -> Self {
        let n = file.values.len().min(MAX_HEATMAP_ROWS);
        let m = file.feature_names.len();
        let ranked = ranking(&mean_abs(file, k));
        let shown = shown_features(m, top);
        let phi: Vec<Vec<f64>> = (0..n)
            .map(|r| file.values[r].iter().map(|v| v[k]).collect())
            .collect();
        let f: Vec<f64> = (0..n).map(|r| file.predictions[r][k]).collect();
        let cols = order_rows(&phi, &f, order);
        let mut cells: Vec<Vec<f64>> = ranked[..shown]
            .iter()
            .map(|&j| cols.iter().map(|&r| phi[r][j]).collect())
            .collect();
        let mut labels: Vec<String> = ranked[..shown]
            .iter()
            .map(|&j| style::truncate(&file.feature_names[j]))
            .collect();
        if shown < m {
            labels.push(format!("sum of {}", others_label(m - shown)));
            cells.push(
                cols.iter()
                    .map(|&r| ranked[shown..].iter().map(|&j| phi[r][j]).sum())
                    .collect(),
            );
        }
        let mut abs: Vec<f64> = cells.iter().flatten().map(|v| v.abs()).collect();
        abs.sort_by(f64::total_cmp);
        let limit = abs
            .get(((abs.len() as f64 - 1.0) * 0.99) as usize)
            .copied()
            .unwrap_or(1.0);
        let how = match order {
            RowOrder::Similarity => "ordered by similarity of φ",
            RowOrder::Prediction => "ordered by prediction",
        };
        let sample = if n < file.values.len() {
            format!("the first {n} of {} rows", file.values.len())
        } else {
            format!("{n} rows")
        };
        Heatmap {
            title: style::chart_title(
                &file.meta.model,
                &format!("output {}", file.output_names[k]),
                file.meta.method,
            ),
            subtitle: format!("{sample} {how}; colour φ, above f(x)"),
            labels,
            cells,
            fx: cols.iter().map(|&r| f[r]).collect(),
            limit: if limit > 0.0 { limit } else { 1.0 },
        }
    }
}

impl Chart for Heatmap {
    fn size(&self) -> (u32, u32) {
        (
            LEFT + PLOT_WIDTH + RIGHT,
            TOP + FX_BAND + BAND * self.labels.len() as u32 + 50,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&palette::BACKGROUND)?;
        style::draw_header(root, &self.title, &self.subtitle)?;
        let n = self.fx.len();
        let x = |c: usize| LEFT as i32 + (c * PLOT_WIDTH as usize / n.max(1)) as i32;
        // f(x) line above the cells.
        let (lo, hi) = self
            .fx
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        let (lo, hi) = style::padded(lo, hi, 0.1);
        let y_of = |v: f64| (TOP + FX_BAND - 12) as i32 - ((v - lo) / (hi - lo) * 60.0) as i32;
        let points: Vec<(i32, i32)> = (0..n)
            .map(|c| ((x(c) + x(c + 1)) / 2, y_of(self.fx[c])))
            .collect();
        root.draw(&PathElement::new(points, palette::TEXT.stroke_width(2)))?;
        let small = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Right, VPos::Center);
        for v in [lo, hi] {
            root.draw(&small.at(style::num(v), (LEFT as i32 - 8, y_of(v))))?;
        }
        root.draw(&small.at("f(x)", (LEFT as i32 - 70, y_of((lo + hi) / 2.0))))?;
        // Cells.
        let label = style::anchored(style::LABEL_SIZE, palette::TEXT, HPos::Right, VPos::Center);
        for (b, band) in self.cells.iter().enumerate() {
            let y0 = (TOP + FX_BAND + BAND * b as u32) as i32;
            root.draw(&label.at(
                self.labels[b].clone(),
                (LEFT as i32 - 12, y0 + BAND as i32 / 2),
            ))?;
            for (c, &v) in band.iter().enumerate() {
                let colour = palette::diverging((v / self.limit).clamp(-1.0, 1.0));
                root.draw(&Rectangle::new(
                    [(x(c), y0), (x(c + 1).max(x(c) + 1), y0 + BAND as i32 - 1)],
                    colour.filled(),
                ))?;
            }
        }
        let bottom = (TOP + FX_BAND + BAND * self.cells.len() as u32) as i32;
        let caption = style::anchored(style::LABEL_SIZE, palette::SUBTLE, HPos::Center, VPos::Top);
        root.draw(&caption.at("rows", (LEFT as i32 + PLOT_WIDTH as i32 / 2, bottom + 12)))?;
        let top = (TOP + FX_BAND) as i32;
        ColorBar {
            x: (LEFT + PLOT_WIDTH + 30) as i32,
            top,
            height: (bottom - top - 24).max(60),
            limit: self.limit,
            ticks: 3,
            caption: "φ",
        }
        .draw(root, palette::diverging)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_rows_end_up_side_by_side() {
        // Two groups of rows far apart; the chain visits one group entirely, then the other.
        let phi = vec![vec![0.0], vec![10.0], vec![0.1], vec![10.2], vec![0.2]];
        let f = vec![5.0, 1.0, 2.0, 0.0, 3.0];
        let chain = order_rows(&phi, &f, RowOrder::Similarity);
        assert_eq!(chain, vec![0, 2, 4, 1, 3]);
        assert_eq!(
            order_rows(&phi, &f, RowOrder::Prediction),
            vec![0, 4, 2, 1, 3]
        );
    }
}
