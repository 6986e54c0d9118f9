//! Training curves: loss and accuracy per epoch, train and validation, side by side.

use super::palette;
use super::render::{save, Chart};
use super::style::{text, DrawResult, LABEL_SIZE, SMALL_SIZE, TITLE_SIZE};
use super::Format;
use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// One epoch of a training run as the curves chart draws it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochPoint {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Training loss.
    pub loss: f64,
    /// Training accuracy.
    pub accuracy: f64,
    /// Validation loss, when rows were held out.
    pub val_loss: Option<f64>,
    /// Validation accuracy, when rows were held out.
    pub val_accuracy: Option<f64>,
}

struct HistoryChart<'a> {
    epochs: &'a [EpochPoint],
    title: String,
}

type Series = (&'static str, Vec<(f64, f64)>, RGBColor);

impl HistoryChart<'_> {
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        caption: &str,
        series: &[Series],
    ) -> DrawResult {
        let epochs = self.epochs.len() as f64;
        let (lo, hi) = series
            .iter()
            .flat_map(|s| s.1.iter().map(|p| p.1))
            .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
        let pad = ((hi - lo) * 0.08).max(1e-3);
        let mut chart = ChartBuilder::on(area)
            .caption(caption, text(LABEL_SIZE, palette::TEXT))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0.5..epochs + 0.5, (lo - pad)..(hi + pad))?;
        chart
            .configure_mesh()
            .light_line_style(palette::GRID)
            .bold_line_style(palette::GRID)
            .axis_style(palette::AXIS)
            .label_style(text(SMALL_SIZE, palette::SUBTLE))
            .x_desc("epoch")
            .axis_desc_style(text(SMALL_SIZE, palette::SUBTLE))
            .x_labels(self.epochs.len().min(12))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        for (name, points, color) in series {
            let style = ShapeStyle::from(*color).stroke_width(2);
            chart
                .draw_series(LineSeries::new(points.clone(), style))?
                .label(*name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .background_style(palette::BACKGROUND.mix(0.9))
            .border_style(palette::GRID)
            .label_font(text(SMALL_SIZE, palette::TEXT))
            .draw()?;
        Ok(())
    }
}

impl Chart for HistoryChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1000, 440)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&palette::BACKGROUND)?;
        root.draw_text(&self.title, &text(TITLE_SIZE, palette::TEXT), (20, 14))?;
        let body = root.margin(50, 0, 0, 0);
        let (left, right) = body.split_horizontally(500);
        let e = self.epochs;
        let pts = |f: &dyn Fn(&EpochPoint) -> Option<f64>| -> Vec<(f64, f64)> {
            e.iter()
                .filter_map(|x| f(x).map(|v| (x.epoch as f64, v)))
                .collect()
        };
        let mut loss: Vec<Series> = vec![("train", pts(&|x| Some(x.loss)), palette::NEGATIVE)];
        let mut acc: Vec<Series> = vec![("train", pts(&|x| Some(x.accuracy)), palette::NEGATIVE)];
        let val_loss = pts(&|x| x.val_loss);
        if !val_loss.is_empty() {
            loss.push(("validation", val_loss, palette::POSITIVE));
            acc.push(("validation", pts(&|x| x.val_accuracy), palette::POSITIVE));
        }
        self.panel(&left, "categorical cross-entropy", &loss)?;
        self.panel(&right, "accuracy", &acc)
    }
}

/// Draws the loss and accuracy curves of a training run.
pub fn write_history(
    epochs: &[EpochPoint],
    title: &str,
    path: &Path,
    format: Format,
) -> Result<()> {
    let chart = HistoryChart {
        epochs,
        title: title.to_string(),
    };
    save(&chart, path, format)
}
