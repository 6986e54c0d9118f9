//! Draws one row of an `explanations.json` as an overlay chart, optionally with patch or SLIC
//! segment outlines (segment φ = sum of its pixels' φ).
//!
//! `cargo run --release --example overlay -- DIR/explanations.json ROW OUT.png [patch:N | slic:N]`

use onnx_inspector::data::image::{slic, ImageShape, Segments, SlicParams};
use onnx_inspector::report::charts::{self, Format};
use onnx_inspector::report::ExplanationFile;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [json, row, out, rest @ ..] = &args[..] else {
        return Err("usage: overlay JSON ROW OUT.png [patch:N | slic:N]".into());
    };
    let file = ExplanationFile::read(Path::new(json))?;
    let row: usize = row.parse()?;
    let shape = ImageShape::from_row_shape(&file.meta.row_shape)
        .ok_or("the rows are not images (meta.row_shape)")?;
    let segments = match rest.first().map(|s| s.split_once(':')) {
        None => None,
        Some(Some(("patch", n))) => Some(Segments::patch_grid(&shape, n.parse()?)?),
        Some(Some(("slic", n))) => {
            let params = SlicParams {
                n_segments: n.parse()?,
                compactness: 0.1,
                ..SlicParams::default()
            };
            Some(slic(&file.data[row], &shape, &params)?)
        }
        _ => return Err("segments are patch:N or slic:N".into()),
    };
    let output = charts::predicted_output(&file, row);
    let format = if out.ends_with(".svg") {
        Format::Svg
    } else {
        Format::Png
    };
    charts::write_overlay(
        &file,
        row,
        output,
        Some(shape),
        segments.as_ref(),
        Path::new(out),
        format,
    )?;
    println!("wrote {out}");
    Ok(())
}
