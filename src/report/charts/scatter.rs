//! Dependence scatter of one feature and output: a dot per row at (the feature's value, its φ),
//! coloured by a feature's value (its own by default, or another's: `color_by`) on the
//! beeswarm's blue–red scale, with ±1 standard error bars when the estimator has them.
//!
//! shap.plots.scatter draws the same view; interaction helpers colour by a second feature.

use super::beeswarm::colour_positions;
use super::colorbar::draw_value_bar;
use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult};
use crate::error::{Error, Result};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Width of the plot area's frame (the colour bar adds [`style::COLORBAR_WIDTH`]).
pub const SCATTER_WIDTH: u32 = 820;
/// Height of a dependence scatter.
pub const SCATTER_HEIGHT: u32 = 560;

/// One dot: the feature's value, φ, the colour position in [0, 1] (None: constant feature),
/// and φ's standard error.
struct Dot {
    x: f64,
    phi: f64,
    colour: Option<f64>,
    se: Option<f64>,
}

pub(crate) struct Scatter {
    title: String,
    subtitle: String,
    x_desc: String,
    y_desc: String,
    colour_caption: String,
    dots: Vec<Dot>,
}

/// Every row's value of player `j`, or an error naming it when it is a group of inputs.
pub(crate) fn player_values(file: &ExplanationFile, j: usize) -> Result<Vec<f64>> {
    (0..file.data.len())
        .map(|r| file.player_value(r, j).map(f64::from))
        .collect::<Option<Vec<f64>>>()
        .ok_or_else(|| {
            Error::Chart(format!(
                "feature '{}' is a group of several inputs: it has no one value per row to plot",
                file.feature_names[j]
            ))
        })
}

impl Scatter {
    /// The scatter of feature `j` for output `k`, coloured by `color_by` (default: `j`).
    /// Fails when a feature has no one value per row (a group of several inputs).
    pub(crate) fn new(
        file: &ExplanationFile,
        j: usize,
        k: usize,
        color_by: Option<usize>,
    ) -> Result<Self> {
        let xs = player_values(file, j)?;
        let c = color_by.unwrap_or(j);
        let colours = colour_positions(&player_values(file, c)?);
        let dots = (0..file.values.len())
            .map(|r| Dot {
                x: xs[r],
                phi: file.values[r][j][k],
                colour: colours[r],
                se: file.stderr.as_ref().map(|s| s[r][j][k]),
            })
            .collect();
        let name = &file.feature_names[j];
        let bars = if file.stderr.is_some() {
            "; bars ±1 standard error"
        } else {
            ""
        };
        Ok(Scatter {
            title: style::chart_title(
                &file.meta.model,
                &format!("output {}", file.output_names[k]),
                file.meta.method,
            ),
            subtitle: format!(
                "dependence on {}: one dot per explained row ({}), coloured by {}{bars}",
                style::truncate(name),
                file.values.len(),
                style::truncate(&file.feature_names[c]),
            ),
            x_desc: format!("{} (feature value)", style::truncate(name)),
            y_desc: format!("φ of {}", style::truncate(name)),
            colour_caption: file.feature_names[c].clone(),
            dots,
        })
    }
}

/// (min, max) of `values`, or (0, 0) when empty.
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)))
}

impl Chart for Scatter {
    fn size(&self) -> (u32, u32) {
        (SCATTER_WIDTH + style::COLORBAR_WIDTH, SCATTER_HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&palette::BACKGROUND)?;
        style::draw_header(root, &self.title, &self.subtitle)?;
        let (xlo, xhi) = span(self.dots.iter().map(|d| d.x));
        let se = |d: &Dot| d.se.unwrap_or(0.0);
        let (ylo, yhi) = span(
            self.dots
                .iter()
                .flat_map(|d| [d.phi - se(d), d.phi + se(d), 0.0]),
        );
        let (xlo, xhi) = style::padded(xlo, xhi, 0.04);
        let (ylo, yhi) = style::padded(ylo, yhi, 0.06);
        let mut chart = ChartBuilder::on(root)
            .margin_top(96)
            .margin_left(20)
            .margin_right(30 + style::COLORBAR_WIDTH)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(xlo..xhi, ylo..yhi)?;
        let (fx, fy) = (
            style::tick_formatter(xlo, xhi),
            style::tick_formatter(ylo, yhi),
        );
        chart
            .configure_mesh()
            .light_line_style(palette::BACKGROUND)
            .bold_line_style(palette::GRID)
            .axis_style(palette::AXIS)
            .x_labels(9)
            .y_labels(8)
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .label_style(style::text(style::SMALL_SIZE, palette::TEXT))
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .axis_desc_style(style::text(style::LABEL_SIZE, palette::SUBTLE))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(xlo, 0.0), (xhi, 0.0)],
            palette::REFERENCE.stroke_width(1),
        )))?;
        let bar = palette::ERROR_BAR.mix(0.35).stroke_width(1);
        chart.draw_series(
            self.dots
                .iter()
                .filter(|d| se(d) > 0.0)
                .map(|d| PathElement::new(vec![(d.x, d.phi - se(d)), (d.x, d.phi + se(d))], bar)),
        )?;
        chart.draw_series(self.dots.iter().map(|d| {
            let colour = d.colour.map_or(palette::OTHERS, palette::feature_value);
            Circle::new((d.x, d.phi), 3, colour.mix(0.85).filled())
        }))?;
        let (right, top) = chart.backend_coord(&(xhi, yhi));
        let (_, bottom) = chart.backend_coord(&(xhi, ylo));
        draw_value_bar(root, right + 40, (top, bottom), &self.colour_caption)
    }
}
