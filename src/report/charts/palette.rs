//! The one palette every chart draws from, so a colour means the same thing everywhere.
//!
//! - Positive attributions (pushing the output up) are [`POSITIVE`] red, negative ones
//!   [`NEGATIVE`] blue (shap's colours).
//! - Feature values run from [`NEGATIVE`] blue (low) through purple to [`POSITIVE`] red (high)
//!   ([`feature_value`]); attribution maps run from blue through white (0) to red ([`diverging`]).
//! - Outputs in stacked charts take [`categorical`] colours; ink is [`TEXT`] and [`AXIS`] grey;
//!   the "sum of N other features" row of global bars and beeswarms is [`OTHERS`] grey.

use plotters::style::RGBColor;

/// Positive attributions.
pub const POSITIVE: RGBColor = RGBColor(255, 0, 82);
/// Negative attributions.
pub const NEGATIVE: RGBColor = RGBColor(0, 139, 251);
/// Unsigned importance (mean |φ|) of a single output.
pub const IMPORTANCE: RGBColor = RGBColor(94, 104, 130);
/// The row summing the features not shown (global bar, beeswarm): neutral, no output's or
/// feature value's colour.
pub const OTHERS: RGBColor = RGBColor(128, 128, 128);
/// Feature value in the middle of its range (beeswarm colour scale).
const MIDDLE: RGBColor = RGBColor(142, 0, 200);
/// Main text.
pub const TEXT: RGBColor = RGBColor(33, 33, 33);
/// Secondary text: subtitles, axis captions.
pub const SUBTLE: RGBColor = RGBColor(100, 100, 100);
/// Axes and tick marks.
pub const AXIS: RGBColor = RGBColor(120, 120, 120);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(228, 228, 228);
/// Reference lines (zero, E[f(X)], f(x)).
pub const REFERENCE: RGBColor = RGBColor(150, 150, 150);
/// Error bars.
pub const ERROR_BAR: RGBColor = RGBColor(40, 40, 40);
/// Backgrounds.
pub const BACKGROUND: RGBColor = RGBColor(255, 255, 255);
/// Row separators.
pub const ROW_RULE: RGBColor = RGBColor(240, 240, 240);

/// Colour of a signed attribution.
pub fn signed(v: f64) -> RGBColor {
    if v >= 0.0 {
        POSITIVE
    } else {
        NEGATIVE
    }
}

fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let c = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    RGBColor(c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
}

/// Feature value colour for `t` in [0, 1] (0 = low, blue; 1 = high, red).
pub fn feature_value(t: f64) -> RGBColor {
    if t < 0.5 {
        mix(NEGATIVE, MIDDLE, t * 2.0)
    } else {
        mix(MIDDLE, POSITIVE, t * 2.0 - 1.0)
    }
}

/// Attribution map colour for `t` in [-1, 1]: blue (-1), white (0), red (+1).
pub fn diverging(t: f64) -> RGBColor {
    if t < 0.0 {
        mix(BACKGROUND, NEGATIVE, -t)
    } else {
        mix(BACKGROUND, POSITIVE, t)
    }
}

/// Grey level of an input pixel for `t` in [0, 1] (0 = black, 1 = white).
pub fn grey(t: f64) -> RGBColor {
    mix(RGBColor(0, 0, 0), RGBColor(255, 255, 255), t)
}

/// Colours of outputs in stacked charts (Tableau 10 order, cycled).
pub fn categorical(i: usize) -> RGBColor {
    const C: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    C[i % C.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_hit_their_ends() {
        assert_eq!(feature_value(0.0), NEGATIVE);
        assert_eq!(feature_value(1.0), POSITIVE);
        assert_eq!(diverging(0.0), BACKGROUND);
        assert_eq!(diverging(1.0), POSITIVE);
        assert_eq!(diverging(-1.0), NEGATIVE);
        assert_eq!(signed(-0.1), NEGATIVE);
    }
}
