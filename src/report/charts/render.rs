//! Rendering a chart to a PNG or SVG file, headless and atomically.

use super::fonts;
use super::png_encode::encode_rgb;
use super::style::{DrawErr, DrawResult};
use super::typeset::Typeset;
use super::Format;
use crate::atomic::write_bytes_atomic;
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Something that draws itself on a drawing area of a fixed pixel size.
pub trait Chart {
    /// Pixel size (width, height).
    fn size(&self) -> (u32, u32);
    /// Draws the whole chart, background included.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult;
}

fn draw_error(path: &Path, e: DrawErr) -> Error {
    Error::data(path, format!("could not draw the chart: {}", e.0))
}

/// Writes `chart` to `path`, drawn into memory (PNG: an RGB buffer, encoded by
/// [`encode_rgb`]) and written atomically. Same chart, same bytes.
pub fn save(chart: &impl Chart, path: &Path, format: Format) -> Result<()> {
    fonts::ensure_registered()?;
    let size = chart.size();
    match format {
        Format::Svg => write_bytes_atomic(path, svg_string(chart, path)?.as_bytes()),
        Format::Png => {
            let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root =
                    Typeset::raster(BitMapBackend::with_buffer(&mut rgb, size)).into_drawing_area();
                chart.draw(&root).map_err(|e| draw_error(path, e))?;
                root.present()
                    .map_err(|e| draw_error(path, DrawErr::from(e)))?;
            }
            write_bytes_atomic(path, &encode_rgb(&rgb, size, path)?)
        }
    }
}

/// `chart` drawn as an SVG document in memory (text kept as text); `path` names it in errors.
pub(crate) fn svg_string(chart: &impl Chart, path: &Path) -> Result<String> {
    fonts::ensure_registered()?;
    let mut svg = String::new();
    {
        let root =
            Typeset::native(SVGBackend::with_string(&mut svg, chart.size())).into_drawing_area();
        chart.draw(&root).map_err(|e| draw_error(path, e))?;
        root.present()
            .map_err(|e| draw_error(path, DrawErr::from(e)))?;
    }
    Ok(svg)
}
