//! The embedded chart font: DejaVu Sans, registered once as plotters' `sans-serif`.
//!
//! Charts never look up system fonts (no fontconfig at run time): plotters is built with the
//! `ab_glyph` font backend only, which draws from fonts registered here.
//! Licence: `assets/fonts/LICENSE-DejaVu.txt` (Bitstream Vera licence, notice kept).

use crate::error::{Error, Result};
use ab_glyph::FontRef;
use plotters::style::FontStyle;
use std::sync::OnceLock;

/// DejaVu Sans 2.37, unmodified.
static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// The family name every chart uses.
pub const FAMILY: &str = "sans-serif";

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the embedded font (first call only); an error if the font data were rejected.
pub fn ensure_registered() -> Result<()> {
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Chart(
            "the embedded chart font could not be loaded".into(),
        ))
    }
}

/// The embedded font, parsed once, for laying text out ([`super::typeset`]). The same bytes
/// passed [`ensure_registered`], which every chart calls before drawing.
pub(crate) fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(DEJAVU_SANS).expect("the embedded font parses"))
}
