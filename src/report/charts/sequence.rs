//! Charts of sequence rows [T, F]: a time × feature heatmap of one row's per-cell φ (a run whose
//! players are the cells), and a per-step bar of φ in time order (players that are steps or
//! windows of steps, or the cells summed per step).

use super::colorbar::ColorBar;
use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult};
use super::waterfall::row_title;
use crate::data::channel_names;
use crate::error::{Error, Result};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

const HEADER: i32 = 96;
const LEFT: i32 = 170;
const PLOT_WIDTH: i32 = 760;
const RIGHT: i32 = 150;

/// How a file's players lie on its sequence rows [T, F].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceLayout {
    /// Every cell is a player.
    Cells { steps: usize, channels: usize },
    /// Players are contiguous runs of whole steps, in time order (`--groups time|window:K`).
    Steps { steps: usize, channels: usize },
}

impl SequenceLayout {
    /// The layout of `file`'s players, when its rows are sequences (`meta.row_shape` [T, F]).
    pub fn of(file: &ExplanationFile) -> Option<SequenceLayout> {
        let &[steps, channels] = &file.meta.row_shape[..] else {
            return None;
        };
        if file.n_inputs() != steps * channels || file.row_groups.is_some() {
            return None;
        }
        let Some(groups) = &file.groups else {
            return Some(SequenceLayout::Cells { steps, channels });
        };
        let mut next = 0;
        for g in groups {
            let whole = !g.is_empty()
                && g[0] == next
                && g.len() % channels == 0
                && g.iter().enumerate().all(|(i, &j)| j == next + i);
            if !whole {
                return None;
            }
            next += g.len();
        }
        Some(SequenceLayout::Steps { steps, channels })
    }
}

/// One row's φ per cell, time along x and channels along y.
pub(crate) struct TimeHeatmap {
    title: String,
    subtitle: String,
    channels: Vec<String>,
    /// `[channel][step]` φ.
    cells: Vec<Vec<f64>>,
    limit: f64,
}

impl TimeHeatmap {
    /// Row `row`'s heatmap for output `k`; the file's players must be the cells of [T, F] rows.
    pub(crate) fn new(file: &ExplanationFile, row: usize, k: usize) -> Result<Self> {
        let Some(SequenceLayout::Cells { steps, channels }) = SequenceLayout::of(file) else {
            return Err(Error::Chart(
                "a time heatmap needs sequence rows [T, F] explained cell by cell (no --groups)"
                    .into(),
            ));
        };
        let phi = |t: usize, c: usize| file.values[row][t * channels + c][k];
        let cells: Vec<Vec<f64>> = (0..channels)
            .map(|c| (0..steps).map(|t| phi(t, c)).collect())
            .collect();
        let limit = cells.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        Ok(TimeHeatmap {
            title: row_title(file, row, k),
            subtitle: format!(
                "φ per cell: {steps} time steps × {channels} features   f(x) = {}   E[f(X)] = {}",
                style::num(file.predictions[row][k]),
                style::num(file.base_values[row][k])
            ),
            channels: channel_names(
                &file
                    .input_names
                    .clone()
                    .unwrap_or_else(|| file.feature_names.clone()),
                steps,
                channels,
            )
            .iter()
            .map(|n| style::truncate_to(n, 18))
            .collect(),
            cells,
            limit: if limit > 0.0 { limit } else { 1.0 },
        })
    }

    fn cell_height(&self) -> i32 {
        (360 / self.channels.len().max(1) as i32).clamp(14, 40)
    }
}

impl Chart for TimeHeatmap {
    fn size(&self) -> (u32, u32) {
        let h = HEADER + 20 + self.cell_height() * self.channels.len() as i32 + 60;
        ((LEFT + PLOT_WIDTH + RIGHT) as u32, h.max(300) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&palette::BACKGROUND)?;
        style::draw_header(root, &self.title, &self.subtitle)?;
        let steps = self.cells.first().map_or(0, Vec::len);
        let ch = self.cell_height();
        let top = HEADER + 20;
        let x = |t: usize| LEFT + (t * PLOT_WIDTH as usize / steps.max(1)) as i32;
        let label = style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Right, VPos::Center);
        for (c, band) in self.cells.iter().enumerate() {
            let y0 = top + ch * c as i32;
            if ch >= 14 {
                root.draw(&label.at(self.channels[c].clone(), (LEFT - 8, y0 + ch / 2)))?;
            }
            for (t, &v) in band.iter().enumerate() {
                root.draw(&Rectangle::new(
                    [(x(t), y0), (x(t + 1).max(x(t) + 1), y0 + ch)],
                    palette::diverging((v / self.limit).clamp(-1.0, 1.0)).filled(),
                ))?;
            }
        }
        let bottom = top + ch * self.cells.len() as i32;
        draw_step_ticks(root, steps, bottom, x)?;
        ColorBar {
            x: LEFT + PLOT_WIDTH + 30,
            top,
            height: (bottom - top).max(120),
            limit: self.limit,
            ticks: 3,
            caption: "φ",
        }
        .draw(root, palette::diverging)
    }
}

/// Step numbers under a time axis (every step, or every n-th when they would crowd), and the
/// axis caption.
fn draw_step_ticks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    steps: usize,
    bottom: i32,
    x: impl Fn(usize) -> i32,
) -> DrawResult {
    let every = steps.div_ceil(20).max(1);
    let tick = style::anchored(style::SMALL_SIZE, palette::SUBTLE, HPos::Center, VPos::Top);
    for t in (0..steps).step_by(every) {
        root.draw(&tick.at(format!("{t}"), ((x(t) + x(t + 1)) / 2, bottom + 6)))?;
    }
    root.draw(&tick.at("time step", (LEFT + PLOT_WIDTH / 2, bottom + 28)))?;
    Ok(())
}

/// One row's φ per time step (or window of steps), in time order.
pub(crate) struct StepBar {
    title: String,
    subtitle: String,
    /// (label, first step, steps covered, φ) per bar.
    bars: Vec<(String, usize, usize, f64)>,
    steps: usize,
}

impl StepBar {
    /// Row `row`'s per-step bar for output `k`: the players when they are steps or windows,
    /// else each step's cells summed.
    pub(crate) fn new(file: &ExplanationFile, row: usize, k: usize) -> Result<Self> {
        let phi = |p: usize| file.values[row][p][k];
        let (bars, steps, how) = match SequenceLayout::of(file) {
            Some(SequenceLayout::Steps { steps, channels }) => {
                let groups = file.groups.as_deref().unwrap_or_default();
                let bars = groups
                    .iter()
                    .enumerate()
                    .map(|(p, g)| {
                        let name = file.feature_names[p].clone();
                        (name, g[0] / channels, g.len() / channels, phi(p))
                    })
                    .collect();
                (bars, steps, "φ per time player")
            }
            Some(SequenceLayout::Cells { steps, channels }) => {
                let bars = (0..steps)
                    .map(|t| {
                        let sum = (0..channels).map(|c| phi(t * channels + c)).sum();
                        (format!("t{t}"), t, 1, sum)
                    })
                    .collect();
                (bars, steps, "φ per time step (its cells summed)")
            }
            None => {
                return Err(Error::Chart(
                    "a step bar needs sequence rows [T, F] with cells or --groups time|window:K as players"
                        .into(),
                ))
            }
        };
        Ok(StepBar {
            title: row_title(file, row, k),
            subtitle: format!(
                "{how} (red raises the output, blue lowers it)   f(x) = {}   E[f(X)] = {}",
                style::num(file.predictions[row][k]),
                style::num(file.base_values[row][k])
            ),
            bars,
            steps,
        })
    }
}

impl Chart for StepBar {
    fn size(&self) -> (u32, u32) {
        ((LEFT + PLOT_WIDTH + 60) as u32, 480)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&palette::BACKGROUND)?;
        style::draw_header(root, &self.title, &self.subtitle)?;
        let (top, bottom) = (HEADER + 30, 480 - 70);
        let (lo, hi) = self
            .bars
            .iter()
            .fold((0.0f64, 0.0f64), |(a, b), bar| (a.min(bar.3), b.max(bar.3)));
        let (lo, hi) = style::padded(lo, hi, 0.12);
        let y = |v: f64| bottom - ((v - lo) / (hi - lo) * (bottom - top) as f64) as i32;
        let x = |t: usize| LEFT + (t * PLOT_WIDTH as usize / self.steps.max(1)) as i32;
        let small = style::anchored(
            style::SMALL_SIZE,
            palette::SUBTLE,
            HPos::Right,
            VPos::Center,
        );
        for v in [lo, 0.0, hi] {
            root.draw(&small.at(style::num(v), (LEFT - 10, y(v))))?;
        }
        let caption = style::anchored(style::LABEL_SIZE, palette::TEXT, HPos::Center, VPos::Center);
        root.draw(&caption.at("φ", (LEFT - 90, (top + bottom) / 2)))?;
        for (label, first, len, v) in &self.bars {
            let (x0, x1) = (x(*first) + 2, x(first + len) - 2);
            let (y0, y1) = (y(v.max(0.0)), y(v.min(0.0)));
            root.draw(&Rectangle::new(
                [(x0, y0), (x1.max(x0 + 1), y1.max(y0 + 1))],
                palette::signed(*v).filled(),
            ))?;
            if *len > 1 {
                let name =
                    style::anchored(style::SMALL_SIZE, palette::TEXT, HPos::Center, VPos::Bottom);
                root.draw(&name.at(label.clone(), ((x0 + x1) / 2, top - 6)))?;
            }
        }
        root.draw(&PathElement::new(
            vec![(LEFT, y(0.0)), (LEFT + PLOT_WIDTH, y(0.0))],
            palette::AXIS.stroke_width(1),
        ))?;
        draw_step_ticks(root, self.steps, bottom, x)
    }
}
