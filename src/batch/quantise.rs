//! `--precision se:F`: φ stored as f32 rounded to a power-of-two quantum under a fraction F of
//! its own standard error, so the low mantissa bytes are zero and BYTE_STREAM_SPLIT + the codec
//! squeeze them; standard errors kept to 8 significant bits.

/// The quantum of a φ with standard error `se` under `fraction` of it: the largest power of two
/// ≤ fraction × se, or 0 (keep φ as it is) when the standard error is 0 or not finite.
pub fn quantum(se: f64, fraction: f64) -> f64 {
    let limit = se * fraction;
    if !(limit > 0.0 && limit.is_finite()) {
        return 0.0;
    }
    let q = 2f64.powi(limit.log2().floor() as i32);
    // log2 of a value just under a power of two may round up to it.
    if q > limit {
        q / 2.0
    } else {
        q
    }
}

/// φ rounded to the nearest multiple of its quantum (ties away from zero), as f32: off φ by at
/// most half the quantum plus f32's own rounding (≤ fraction/2 of the standard error).
pub fn round_phi(phi: f64, se: f64, fraction: f64) -> f32 {
    let q = quantum(se, fraction);
    if q == 0.0 || !phi.is_finite() {
        return phi as f32;
    }
    ((phi / q).round() * q) as f32
}

/// Significant bits kept of a stored standard error: relative rounding ≤ 2^-8, far below the
/// standard error's own sampling error (≈ 1/√(2 × rounds)).
pub const SE_BITS: u32 = 8;

/// A standard error rounded to [`SE_BITS`] significant bits (f32's low 16 mantissa bits zero).
pub fn round_se(se: f64) -> f32 {
    let v = se as f32;
    if !v.is_finite() {
        return v;
    }
    let drop = 24 - SE_BITS;
    let half = 1u32 << (drop - 1);
    // Round half up on the magnitude bits; a carry into the exponent is the correct rounding.
    f32::from_bits((v.to_bits() + half) & !((1u32 << drop) - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quantum_is_the_largest_power_of_two_under_the_limit() {
        assert_eq!(quantum(1.0, 0.1), 0.0625);
        assert_eq!(quantum(0.8, 0.1), 0.0625);
        assert_eq!(quantum(0.6, 0.1), 0.03125);
        assert_eq!(quantum(0.0, 0.1), 0.0);
        assert_eq!(quantum(f64::NAN, 0.1), 0.0);
        for se in [1e-9, 3.3e-4, 0.7, 12.0] {
            let q = quantum(se, 0.1);
            assert!(q <= 0.1 * se && 2.0 * q > 0.1 * se, "{se}: {q}");
        }
    }

    #[test]
    fn rounded_phi_is_within_half_a_quantum_and_has_zero_low_bytes() {
        let (phi, se) = (0.123456789, 0.01);
        let r = round_phi(phi, se, 0.1);
        assert!((r as f64 - phi).abs() <= quantum(se, 0.1) / 2.0);
        assert_eq!(r.to_bits() & 0xffff, 0, "{r}");
        assert_eq!(round_phi(0.3, 0.0, 0.1), 0.3f32);
        assert_eq!(round_phi(0.0, 0.5, 0.1), 0.0);
    }

    #[test]
    fn standard_errors_keep_eight_bits() {
        for se in [1.0, 0.0123456, 3.9999, 1e-20] {
            let r = round_se(se) as f64;
            assert!((r - se).abs() <= se * 2f64.powi(-8), "{se}: {r}");
            assert_eq!((r as f32).to_bits() & 0xffff, 0);
        }
        assert_eq!(round_se(0.0), 0.0);
    }
}
