//! e^v over a slice, eight lanes at a time on AVX2+FMA CPUs (Cephes' single-precision polynomial,
//! within a few ulp of libm), libm elsewhere and outside [-87, 88]; [`exp16`], the same on sixteen
//! AVX-512 lanes.

/// Cephes' coefficients of e^r − 1 − r over r², highest degree first.
const POLY: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    1.666_666_5e-1,
    0.5,
];
/// ln 2 in two parts (high part exact in few bits), for an exact-enough v − n ln 2.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// The range where the polynomial path holds; libm outside it.
const LOW: f32 = -87.0;
const HIGH: f32 = 88.0;

/// Replaces every value v of `row` by e^v.
pub fn exp_in_place(row: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA, checked just above.
        unsafe { exp_avx2(row) };
        return;
    }
    row.iter_mut().for_each(|v| *v = v.exp());
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn exp_avx2(row: &mut [f32]) {
    let mut chunks = row.chunks_exact_mut(8);
    for c in &mut chunks {
        // SAFETY: `c` holds exactly eight floats.
        unsafe {
            let v = std::arch::x86_64::_mm256_loadu_ps(c.as_ptr());
            std::arch::x86_64::_mm256_storeu_ps(c.as_mut_ptr(), exp8(v));
        }
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let mut lanes = [0.0f32; 8];
        lanes[..rest.len()].copy_from_slice(rest);
        // SAFETY: `lanes` holds exactly eight floats.
        unsafe {
            let v = std::arch::x86_64::_mm256_loadu_ps(lanes.as_ptr());
            std::arch::x86_64::_mm256_storeu_ps(lanes.as_mut_ptr(), exp8(v));
        }
        let n = rest.len();
        rest.copy_from_slice(&lanes[..n]);
    }
}

/// e^v for eight lanes: v = n ln 2 + r with |r| ≤ ln 2 / 2, e^r by a degree-6 polynomial, 2^n
/// through the exponent bits. NaN stays NaN; large |v| saturates to 0 or +inf like libm.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
pub fn exp8(v: std::arch::x86_64::__m256) -> std::arch::x86_64::__m256 {
    use std::arch::x86_64::*;
    let x = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(LOW)), _mm256_set1_ps(HIGH));
    let n = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(_mm256_mul_ps(
        x,
        _mm256_set1_ps(std::f32::consts::LOG2_E),
    ));
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    let mut p = _mm256_set1_ps(POLY[0]);
    for &c in &POLY[1..] {
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
    }
    let r2 = _mm256_mul_ps(r, r);
    let e = _mm256_add_ps(_mm256_fmadd_ps(p, r2, r), _mm256_set1_ps(1.0));
    let scale = _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(
        _mm256_cvtps_epi32(n),
        _mm256_set1_epi32(127),
    )));
    let out = _mm256_mul_ps(e, scale);
    // Outside [-87, 88]: libm's exp (tiny, subnormal or infinite); NaN passes through.
    let outside = _mm256_or_ps(
        _mm256_cmp_ps::<_CMP_GT_OQ>(v, _mm256_set1_ps(HIGH)),
        _mm256_cmp_ps::<_CMP_LT_OQ>(v, _mm256_set1_ps(LOW)),
    );
    if _mm256_movemask_ps(outside) == 0
        && _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_UNORD_Q>(v, v)) == 0
    {
        return out;
    }
    let mut lanes = [0.0f32; 8];
    let mut exact = [0.0f32; 8];
    // SAFETY: both arrays hold eight floats.
    unsafe {
        _mm256_storeu_ps(lanes.as_mut_ptr(), v);
        _mm256_storeu_ps(exact.as_mut_ptr(), out);
    }
    libm_outside(&mut exact, &lanes);
    // SAFETY: `exact` holds eight floats.
    unsafe { _mm256_loadu_ps(exact.as_ptr()) }
}

/// Replaces `exact[i]` by libm's e^x for every input x = `lanes[i]` outside the polynomial's range.
#[cfg(target_arch = "x86_64")]
fn libm_outside(exact: &mut [f32], lanes: &[f32]) {
    for (e, &x) in exact.iter_mut().zip(lanes) {
        if !(LOW..=HIGH).contains(&x) {
            *e = x.exp();
        }
    }
}

/// e^v for sixteen lanes, as [`exp8`] computes each lane (the CPU must support AVX-512F).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
pub fn exp16(v: std::arch::x86_64::__m512) -> std::arch::x86_64::__m512 {
    use std::arch::x86_64::*;
    let x = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(LOW)), _mm512_set1_ps(HIGH));
    let n = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
        _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::LOG2_E)),
    );
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), x);
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
    let mut p = _mm512_set1_ps(POLY[0]);
    for &c in &POLY[1..] {
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
    }
    let r2 = _mm512_mul_ps(r, r);
    let e = _mm512_add_ps(_mm512_fmadd_ps(p, r2, r), _mm512_set1_ps(1.0));
    let scale = _mm512_castsi512_ps(_mm512_slli_epi32::<23>(_mm512_add_epi32(
        _mm512_cvtps_epi32(n),
        _mm512_set1_epi32(127),
    )));
    let out = _mm512_mul_ps(e, scale);
    // Outside [LOW, HIGH] or NaN: libm's exp for those lanes.
    let inside = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(v, _mm512_set1_ps(HIGH))
        & _mm512_cmp_ps_mask::<_CMP_GE_OQ>(v, _mm512_set1_ps(LOW));
    if inside == 0xffff {
        return out;
    }
    let mut lanes = [0.0f32; 16];
    let mut exact = [0.0f32; 16];
    // SAFETY: both arrays hold sixteen floats.
    unsafe {
        _mm512_storeu_ps(lanes.as_mut_ptr(), v);
        _mm512_storeu_ps(exact.as_mut_ptr(), out);
    }
    libm_outside(&mut exact, &lanes);
    // SAFETY: `exact` holds sixteen floats.
    unsafe { _mm512_loadu_ps(exact.as_ptr()) }
}

#[cfg(test)]
mod tests {
    use super::exp_in_place;

    /// Inputs across the whole range, past both ends of the polynomial's, and infinities.
    fn inputs() -> Vec<f32> {
        (-2000..=2000)
            .map(|i| i as f32 * 0.047)
            .chain([
                -200.0,
                -103.0,
                -88.5,
                88.5,
                100.0,
                f32::NEG_INFINITY,
                f32::INFINITY,
            ])
            .collect()
    }

    /// Every value within 3 ulp of libm's e^x (exactly libm's where that is 0, subnormal or inf).
    fn assert_close_to_libm(xs: &[f32], got: &[f32]) {
        for (&x, &g) in xs.iter().zip(got) {
            let want = x.exp();
            if want == 0.0 || want.is_infinite() || want < f32::MIN_POSITIVE {
                assert_eq!(g, want, "exp({x})");
                continue;
            }
            let ulp = (g.to_bits() as i64 - want.to_bits() as i64).abs();
            assert!(ulp <= 3, "exp({x}) = {g}, libm {want}: {ulp} ulp");
        }
    }

    #[test]
    fn matches_libm_within_a_few_ulp() {
        let xs = inputs();
        let mut got = xs.clone();
        exp_in_place(&mut got);
        assert_close_to_libm(&xs, &got);
        let mut nan = [f32::NAN; 3];
        exp_in_place(&mut nan);
        assert!(nan.iter().all(|v| v.is_nan()));
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_sixteen_lane_exp_matches_libm_within_a_few_ulp() {
        use std::arch::x86_64::*;
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        let mut xs = inputs();
        xs.push(f32::NAN);
        while !xs.len().is_multiple_of(16) {
            xs.push(0.5);
        }
        let mut got = vec![0.0f32; xs.len()];
        for (src, dst) in xs.chunks_exact(16).zip(got.chunks_exact_mut(16)) {
            // SAFETY: the CPU supports AVX-512F (checked above); both chunks hold sixteen floats.
            unsafe {
                _mm512_storeu_ps(
                    dst.as_mut_ptr(),
                    super::exp16(_mm512_loadu_ps(src.as_ptr())),
                )
            };
        }
        let nan_at = xs.iter().position(|v| v.is_nan()).unwrap();
        assert!(got[nan_at].is_nan());
        xs.remove(nan_at);
        got.remove(nan_at);
        assert_close_to_libm(&xs, &got);
    }
}
