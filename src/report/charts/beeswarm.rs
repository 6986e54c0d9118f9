//! Beeswarm of one output: for each of the top features by mean |φ|, one dot per row at its φ,
//! coloured by the feature's value (blue low, red high, per feature), with a colour bar.
//!
//! Dots are spread vertically without randomness: φ values are cut into narrow x bins and the
//! dots of a bin, taken in order of φ then row, alternate above and below the row's centre line.

use super::colorbar;
use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult, RowFrame};
use super::{mean_abs, others_label, ranking, shown_features};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Bins across the x range used to spread dots.
const BINS: usize = 160;
/// Largest vertical spread of a row, in rows (0.5 = touching the next row).
const SPREAD: f64 = 0.4;

struct Swarm {
    label: String,
    /// (φ, colour position in [0, 1], or None when the feature is constant or summed).
    dots: Vec<(f64, Option<f64>)>,
}

pub(crate) struct Beeswarm {
    title: String,
    subtitle: String,
    rows: Vec<Swarm>,
    /// The last row sums the features not shown.
    has_others: bool,
}

/// The `q` quantile of sorted values (linear interpolation).
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos.fract());
    if i + 1 < sorted.len() {
        sorted[i] + (sorted[i + 1] - sorted[i]) * f
    } else {
        sorted[i]
    }
}

/// Colour positions of a feature's values: 5th to 95th percentile mapped to [0, 1], clipped.
pub(crate) fn colour_positions(values: &[f64]) -> Vec<Option<f64>> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (mut lo, mut hi) = (quantile(&sorted, 0.05), quantile(&sorted, 0.95));
    if hi <= lo {
        lo = sorted[0];
        hi = sorted[sorted.len() - 1];
    }
    values
        .iter()
        .map(|&v| (hi > lo).then(|| ((v - lo) / (hi - lo)).clamp(0.0, 1.0)))
        .collect()
}

impl Beeswarm {
    pub(crate) fn new(file: &ExplanationFile, output: usize, top: usize) -> Self {
        let m = file.feature_names.len();
        let order = ranking(&mean_abs(file, output));
        let shown = shown_features(m, top);
        let mut rows: Vec<Swarm> = order[..shown]
            .iter()
            .map(|&j| {
                // A group of several features has no one value to colour its dots by.
                let data: Option<Vec<f64>> = (0..file.data.len())
                    .map(|r| file.player_value(r, j).map(f64::from))
                    .collect();
                let colours = match data {
                    Some(d) => colour_positions(&d),
                    None => vec![None; file.values.len()],
                };
                Swarm {
                    label: style::truncate(&file.feature_names[j]),
                    dots: file
                        .values
                        .iter()
                        .zip(colours)
                        .map(|(r, c)| (r[j][output], c))
                        .collect(),
                }
            })
            .collect();
        if shown < m {
            rows.push(Swarm {
                label: format!("sum of {}", others_label(m - shown)),
                dots: file
                    .values
                    .iter()
                    .map(|r| (order[shown..].iter().map(|&j| r[j][output]).sum(), None))
                    .collect(),
            });
        }
        Beeswarm {
            title: style::chart_title(
                &file.meta.model,
                &format!("output {}", file.output_names[output]),
                file.meta.method,
            ),
            subtitle: format!(
                "one dot per explained row ({}); features by mean |φ|, top {} of {}",
                file.values.len(),
                shown,
                m
            ),
            rows,
            has_others: shown < m,
        }
    }
}

impl Beeswarm {
    /// Says in the subtitle that the dots are a seeded sample of `shown` out of `total` rows.
    pub(crate) fn note_sample(&mut self, shown: usize, total: usize, seed: u64) {
        self.subtitle = self.subtitle.replacen(
            &format!("one dot per explained row ({shown})"),
            &format!("one dot per row of a seeded sample of {shown} of {total} rows (seed {seed})"),
            1,
        );
    }
}

/// Vertical offsets (in rows) of dots at `xs` within an x range, deterministic.
fn spread(xs: &[f64], lo: f64, hi: f64) -> Vec<f64> {
    let width = (hi - lo).max(f64::MIN_POSITIVE);
    let bin = |x: f64| (((x - lo) / width * BINS as f64) as usize).min(BINS - 1);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]).then(a.cmp(&b)));
    let mut counts = vec![0usize; BINS];
    for &i in &order {
        counts[bin(xs[i])] += 1;
    }
    let max_half = counts.iter().map(|c| c / 2).max().unwrap_or(0).max(1) as f64;
    let step = (SPREAD / max_half).min(0.08);
    let mut seen = vec![0usize; BINS];
    let mut off = vec![0.0; xs.len()];
    for &i in &order {
        let b = bin(xs[i]);
        let r = seen[b];
        seen[b] += 1;
        let level = r.div_ceil(2) as f64;
        off[i] = if r % 2 == 1 {
            level * step
        } else {
            -level * step
        };
    }
    off
}

impl Chart for Beeswarm {
    fn size(&self) -> (u32, u32) {
        style::row_chart_size(
            self.rows.len(),
            style::BEESWARM_ROW_HEIGHT,
            style::COLORBAR_WIDTH,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let n = self.rows.len();
        let main = n - usize::from(self.has_others);
        let span = |rows: &[Swarm]| {
            let all = rows.iter().flat_map(|r| r.dots.iter().map(|d| d.0));
            all.fold((0.0f64, 0.0f64), |(a, b), x| (a.min(x), b.max(x)))
        };
        let others = self.has_others.then(|| span(&self.rows[main..]));
        let ((lo, hi), clipped) = style::span_with_others(span(&self.rows[..main]), others);
        let x_range = style::padded(lo, hi, 0.05);
        let mut subtitle = self.subtitle.clone();
        if clipped {
            subtitle += "; hollow dots lie beyond the axis";
        }
        let frame = RowFrame {
            title: self.title.clone(),
            subtitle,
            labels: self.rows.iter().map(|s| s.label.clone()).collect(),
            x_range,
            x_desc: "SHAP value φ (impact on the output)".into(),
            row_height: style::BEESWARM_ROW_HEIGHT,
            extra_right: style::COLORBAR_WIDTH,
            row_rules: true,
        };
        let chart = style::draw_row_frame(root, &frame)?;
        let (_, top, bottom) = style::draw_zero_line(root, &chart, n)?;
        for (i, row) in self.rows.iter().enumerate() {
            let xs: Vec<f64> = row.dots.iter().map(|d| d.0).collect();
            let xs: Vec<f64> = xs.iter().map(|x| x.clamp(x_range.0, x_range.1)).collect();
            let offsets = spread(&xs, x_range.0, x_range.1);
            for ((&(x, c), &xc), off) in row.dots.iter().zip(&xs).zip(offsets) {
                let p = chart.backend_coord(&(xc, style::row_y(n, i) + off));
                let color = match c {
                    Some(t) => palette::feature_value(t),
                    None => palette::OTHERS,
                };
                if xc != x {
                    root.draw(&Circle::new(p, 3, color.stroke_width(1)))?;
                } else {
                    root.draw(&Circle::new(p, 3, color.mix(0.85).filled()))?;
                }
            }
        }
        let (right, _) = chart.backend_coord(&(x_range.1, 0.0));
        colorbar::draw_value_bar(root, right + 46, (top, bottom), "Feature value")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_deterministic_and_bounded() {
        let xs: Vec<f64> = (0..500).map(|i| ((i * 37) % 101) as f64 / 100.0).collect();
        let a = spread(&xs, 0.0, 1.0);
        assert_eq!(a, spread(&xs, 0.0, 1.0));
        assert!(a.iter().all(|o| o.abs() <= SPREAD + 1e-12));
        assert!(a.iter().any(|o| *o != 0.0));
    }
}
