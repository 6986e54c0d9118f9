//! PNG bytes of a drawn RGB buffer: the Paeth filter on every line and the fast deflate, not
//! plotters' default (every filter tried on every line), which took most of a small run's chart
//! CPU time; the files are 4% larger.

use crate::error::{Error, Result};
use std::path::Path;

/// The PNG of an 8-bit RGB buffer `rgb` of `size` (width, height); `path` names it in errors.
pub(crate) fn encode_rgb(rgb: &[u8], size: (u32, u32), path: &Path) -> Result<Vec<u8>> {
    let err = |e: png::EncodingError| Error::data(path, format!("could not encode the PNG: {e}"));
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, size.0, size.1);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        enc.set_filter(png::FilterType::Paeth);
        enc.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
        let mut w = enc.write_header().map_err(err)?;
        w.write_image_data(rgb).map_err(err)?;
        w.finish().map_err(err)?;
    }
    Ok(bytes)
}
