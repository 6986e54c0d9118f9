//! The first-layer update of one masked row: its pre-activations from a known row's, plus one
//! scaled row of W per feature that differs, on AVX-512, AVX2+FMA or plain code.

/// dst = init + Σ_t s_t (x_j − b_j) W[j] over the (sign s_t, feature j) terms, with `diff` = x − b,
/// W `[M, h]` row-major, and `init` = dst itself when `None`.
pub(crate) fn accumulate(
    dst: &mut [f32],
    init: Option<&[f32]>,
    terms: &[(f32, usize)],
    diff: &[f32],
    w: &[f32],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F, checked just above.
        unsafe { accumulate_avx512(dst, init, terms, diff, w) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA, checked just above.
        unsafe { accumulate_avx2(dst, init, terms, diff, w) };
        return;
    }
    if let Some(init) = init {
        dst.copy_from_slice(init);
    }
    let h = dst.len();
    for &(sign, j) in terms {
        let a = sign * diff[j];
        for (d, &v) in dst.iter_mut().zip(&w[j * h..(j + 1) * h]) {
            *d += a * v;
        }
    }
}

/// [`accumulate`] with 64 lanes of `dst` held in eight registers across all terms.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn accumulate_avx2(
    dst: &mut [f32],
    init: Option<&[f32]>,
    terms: &[(f32, usize)],
    diff: &[f32],
    w: &[f32],
) {
    use std::arch::x86_64::*;
    let h = dst.len();
    assert_inside(h, init, terms, w);
    // All accesses go through these pointers: `src` may be `dst` itself.
    let d0 = dst.as_mut_ptr();
    let src = init.map_or(d0 as *const f32, |i| i.as_ptr());
    let wp0 = w.as_ptr();
    let mut start = 0;
    // SAFETY (all blocks below): lanes start..start + 64 (or + 8, or one) are below h, the width
    // of dst and init, and each term's row j * h .. (j + 1) * h lies in w, as asserted above.
    while start + 64 <= h {
        let mut acc = [_mm256_setzero_ps(); 8];
        for (v, a) in acc.iter_mut().enumerate() {
            *a = unsafe { _mm256_loadu_ps(src.add(start + 8 * v)) };
        }
        for &(sign, j) in terms {
            let cv = _mm256_set1_ps(sign * diff[j]);
            let wp = unsafe { wp0.add(j * h + start) };
            for (v, a) in acc.iter_mut().enumerate() {
                *a = _mm256_fmadd_ps(cv, unsafe { _mm256_loadu_ps(wp.add(8 * v)) }, *a);
            }
        }
        for (v, a) in acc.iter().enumerate() {
            unsafe { _mm256_storeu_ps(d0.add(start + 8 * v), *a) };
        }
        start += 64;
    }
    while start + 8 <= h {
        let mut a = unsafe { _mm256_loadu_ps(src.add(start)) };
        for &(sign, j) in terms {
            let wv = unsafe { _mm256_loadu_ps(wp0.add(j * h + start)) };
            a = _mm256_fmadd_ps(_mm256_set1_ps(sign * diff[j]), wv, a);
        }
        unsafe { _mm256_storeu_ps(d0.add(start), a) };
        start += 8;
    }
    for i in start..h {
        let mut v = unsafe { *src.add(i) };
        for &(sign, j) in terms {
            v = (sign * diff[j]).mul_add(w[j * h + i], v);
        }
        unsafe { *d0.add(i) = v };
    }
}

/// The bounds the SIMD kernels rely on: `init` has width `h`, and each term's row of W lies in W.
#[cfg(target_arch = "x86_64")]
fn assert_inside(h: usize, init: Option<&[f32]>, terms: &[(f32, usize)], w: &[f32]) {
    assert!(
        init.is_none_or(|i| i.len() == h),
        "init has the width of dst"
    );
    assert!(
        terms.iter().all(|&(_, j)| (j + 1) * h <= w.len()),
        "every term's row of W is inside W"
    );
}

/// [`accumulate`] with 64 lanes of `dst` held in four registers across all terms, then 16 at a
/// time, the last ones masked.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn accumulate_avx512(
    dst: &mut [f32],
    init: Option<&[f32]>,
    terms: &[(f32, usize)],
    diff: &[f32],
    w: &[f32],
) {
    use std::arch::x86_64::*;
    let h = dst.len();
    assert_inside(h, init, terms, w);
    // All accesses go through these pointers: `src` may be `dst` itself.
    let d0 = dst.as_mut_ptr();
    let src = init.map_or(d0 as *const f32, |i| i.as_ptr());
    let wp0 = w.as_ptr();
    let mut start = 0;
    // SAFETY (all blocks below): lanes start..start + 64 (or the masked 16) are below h, the
    // width of dst and init, and each term's row j * h .. (j + 1) * h lies in w, as asserted.
    while start + 64 <= h {
        let mut acc = [_mm512_setzero_ps(); 4];
        for (v, a) in acc.iter_mut().enumerate() {
            *a = unsafe { _mm512_loadu_ps(src.add(start + 16 * v)) };
        }
        for &(sign, j) in terms {
            let cv = _mm512_set1_ps(sign * diff[j]);
            let wp = unsafe { wp0.add(j * h + start) };
            for (v, a) in acc.iter_mut().enumerate() {
                *a = _mm512_fmadd_ps(cv, unsafe { _mm512_loadu_ps(wp.add(16 * v)) }, *a);
            }
        }
        for (v, a) in acc.iter().enumerate() {
            unsafe { _mm512_storeu_ps(d0.add(start + 16 * v), *a) };
        }
        start += 64;
    }
    while start < h {
        let lanes: __mmask16 = (((1u32 << (h - start).min(16)) - 1) & 0xffff) as __mmask16;
        let mut a = unsafe { _mm512_maskz_loadu_ps(lanes, src.add(start)) };
        for &(sign, j) in terms {
            let wv = unsafe { _mm512_maskz_loadu_ps(lanes, wp0.add(j * h + start)) };
            a = _mm512_fmadd_ps(_mm512_set1_ps(sign * diff[j]), wv, a);
        }
        unsafe { _mm512_mask_storeu_ps(d0.add(start), lanes, a) };
        start += 16;
    }
}

#[cfg(test)]
mod tests {
    use super::accumulate;

    #[test]
    fn every_kernel_adds_the_scaled_rows_of_w() {
        for h in [1usize, 15, 16, 64, 70, 130] {
            let m = 5;
            let w: Vec<f32> = (0..m * h)
                .map(|i| ((i * 7) % 13) as f32 / 4.0 - 1.5)
                .collect();
            let diff: Vec<f32> = (0..m).map(|j| j as f32 * 0.5 - 1.0).collect();
            let init: Vec<f32> = (0..h).map(|i| i as f32 * 0.1).collect();
            let terms = [(1.0f32, 3usize), (-1.0, 0), (1.0, 4)];
            let want: Vec<f64> = (0..h)
                .map(|i| {
                    init[i] as f64
                        + terms
                            .iter()
                            .map(|&(s, j)| (s * diff[j]) as f64 * w[j * h + i] as f64)
                            .sum::<f64>()
                })
                .collect();
            let mut got = vec![0.0f32; h];
            accumulate(&mut got, Some(&init), &terms, &diff, &w);
            let mut in_place = init.clone();
            accumulate(&mut in_place, None, &terms, &diff, &w);
            for i in 0..h {
                assert!((got[i] as f64 - want[i]).abs() < 1e-5, "h {h} lane {i}");
                assert_eq!(got[i], in_place[i], "h {h} lane {i}");
            }
        }
    }
}
