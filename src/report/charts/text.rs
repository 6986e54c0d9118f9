//! One text row's words coloured by φ, as shap.plots.text: red raises the output, blue lowers
//! it, the stronger the larger |φ|; each word's φ is printed under it. Lines wrap at the chart
//! width.

use super::palette;
use super::render::Chart;
use super::style::{self, DrawResult};
use super::waterfall::row_title;
use crate::error::{Error, Result};
use crate::report::ExplanationFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

const WIDTH: i32 = 1000;
const MARGIN: i32 = 20;
const HEADER: i32 = 96;
const WORD_SIZE: f64 = 20.0;
const LINE: i32 = 62;
/// Pixels per character, a little over DejaVu Sans' average, so that boxes hold their words.
const CHAR_PX: f64 = 0.64;

/// A word placed on a line: its text, φ, and box.
struct Placed {
    word: String,
    phi: f64,
    x: i32,
    line: i32,
    width: i32,
}

pub(crate) struct TextChart {
    title: String,
    subtitle: String,
    words: Vec<Placed>,
    lines: i32,
    limit: f64,
}

/// Box width of a word and its φ label.
fn box_width(word: &str, label: &str) -> i32 {
    let w = word.chars().count() as f64 * WORD_SIZE * CHAR_PX;
    let l = label.chars().count() as f64 * style::SMALL_SIZE * CHAR_PX;
    w.max(l) as i32 + 12
}

impl TextChart {
    /// Row `row`'s words for output `k`; the file needs `tokens` (a text run with `--vocab`).
    pub(crate) fn new(file: &ExplanationFile, row: usize, k: usize) -> Result<Self> {
        let words = file
            .tokens
            .as_ref()
            .and_then(|t| t.get(row))
            .ok_or_else(|| {
                Error::Chart(
                    "a text chart needs the words of a text run (explain with --vocab)".into(),
                )
            })?;
        let phi: Vec<f64> = (0..words.len()).map(|p| file.values[row][p][k]).collect();
        let limit = phi.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let (mut x, mut line) = (MARGIN, 0);
        let mut placed = Vec::with_capacity(words.len());
        for (w, &v) in words.iter().zip(&phi) {
            let width = box_width(w, &style::signed_num(v));
            if x + width > WIDTH - MARGIN && x > MARGIN {
                x = MARGIN;
                line += 1;
            }
            placed.push(Placed {
                word: w.clone(),
                phi: v,
                x,
                line,
                width,
            });
            x += width + 6;
        }
        Ok(TextChart {
            title: row_title(file, row, k),
            subtitle: format!(
                "φ per word (red raises the output, blue lowers it)   f(x) = {}   E[f(X)] = {}",
                style::num(file.predictions[row][k]),
                style::num(file.base_values[row][k])
            ),
            lines: line + 1,
            words: placed,
            limit: if limit > 0.0 { limit } else { 1.0 },
        })
    }
}

impl Chart for TextChart {
    fn size(&self) -> (u32, u32) {
        (WIDTH as u32, (HEADER + 20 + LINE * self.lines + 20) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&palette::BACKGROUND)?;
        style::draw_header(root, &self.title, &self.subtitle)?;
        let word = style::anchored(WORD_SIZE, palette::TEXT, HPos::Center, VPos::Center);
        let value = style::anchored(style::SMALL_SIZE, palette::SUBTLE, HPos::Center, VPos::Top);
        for p in &self.words {
            let y0 = HEADER + 20 + LINE * p.line;
            let t = (p.phi / self.limit).clamp(-1.0, 1.0);
            root.draw(&Rectangle::new(
                [(p.x, y0), (p.x + p.width, y0 + 32)],
                palette::diverging(t).filled(),
            ))?;
            let mid = p.x + p.width / 2;
            root.draw(&word.at(p.word.clone(), (mid, y0 + 16)))?;
            root.draw(&value.at(style::signed_num(p.phi), (mid, y0 + 36)))?;
        }
        Ok(())
    }
}
