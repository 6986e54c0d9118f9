//! A dense chain's classifier head in one pass on AVX-512 CPUs: relu(h) · W + b, then softmax,
//! each row's (at most 16) outputs in one register, eight rows at a time, with no array in
//! between. The products are summed in the order of [`NarrowWeights`]' kernel and the exponentials
//! are [`exp16`]'s (the same polynomial as the 8-lane one), so only the softmax sums' order differs.

use crate::model::native::narrow::{NarrowWeights, MAX_COLS};
#[cfg(target_arch = "x86_64")]
use crate::model::native::vexp::exp16;
use ndarray::{Array1, Array2, ArrayView2};

/// Rows computed together: eight independent accumulators hide the multiply-add latency.
#[cfg(target_arch = "x86_64")]
const ROWS: usize = 8;

/// `[relu] → h · W → [+ b] → [softmax]` with W at most 16 columns wide.
#[derive(Debug, Clone)]
pub struct NarrowHead {
    relu: bool,
    weights: NarrowWeights,
    /// b padded to 16 lanes with zeros (zeros when the head has no bias).
    bias: [f32; MAX_COLS],
    softmax: bool,
}

impl NarrowHead {
    /// The head `[relu] → weights → [+ bias] → [softmax]`.
    pub fn new(
        relu: bool,
        weights: NarrowWeights,
        bias: Option<&Array1<f32>>,
        softmax: bool,
    ) -> NarrowHead {
        let mut padded = [0.0f32; MAX_COLS];
        if let Some(b) = bias {
            padded.iter_mut().zip(b).for_each(|(p, &v)| *p = v);
        }
        NarrowHead {
            relu,
            weights,
            bias: padded,
            softmax,
        }
    }

    /// The head's outputs for rows `a`, or `None` when the CPU lacks AVX-512F (the chain then
    /// runs stage by stage).
    pub fn run(&self, a: ArrayView2<f32>) -> Option<Array2<f32>> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") && a.ncols() == self.weights.k() {
            let a = a.as_standard_layout();
            let a = a.as_slice().expect("standard layout");
            let n = self.weights.n();
            let mut out = Array2::<f32>::zeros((a.len() / self.weights.k().max(1), n));
            // SAFETY: the CPU supports AVX-512F, checked just above.
            unsafe { self.run_avx512(a, out.as_slice_mut().expect("fresh array")) };
            return Some(out);
        }
        let _ = a;
        None
    }

    /// Blocks of [`ROWS`] rows, then single rows.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn run_avx512(&self, a: &[f32], out: &mut [f32]) {
        let (k, n) = (self.weights.k(), self.weights.n());
        if k == 0 {
            return;
        }
        let rows = a.len() / k;
        let mut scratch = vec![0.0f32; ROWS * k];
        let mut r = 0;
        while r + ROWS <= rows {
            self.block::<ROWS>(&a[r * k..(r + ROWS) * k], &mut scratch, &mut out[r * n..]);
            r += ROWS;
        }
        for r in r..rows {
            self.block::<1>(&a[r * k..(r + 1) * k], &mut scratch, &mut out[r * n..]);
        }
    }

    /// `R` rows of `a` (k values each) into the first `R` rows of `out` (n values each).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn block<const R: usize>(&self, a: &[f32], scratch: &mut [f32], out: &mut [f32]) {
        use std::arch::x86_64::*;
        let (k, n) = (self.weights.k(), self.weights.n());
        assert!(a.len() == R * k && scratch.len() >= R * k && out.len() >= R * n);
        let src: &[f32] = if self.relu {
            // v > 0 ? v : 0 sends NaN to 0, as f32::max(v, 0.0) does.
            for (s, &v) in scratch.iter_mut().zip(a) {
                *s = if v > 0.0 { v } else { 0.0 };
            }
            &scratch[..R * k]
        } else {
            a
        };
        let w = self.weights.padded().as_ptr();
        let src = src.as_ptr();
        let mut acc = [_mm512_setzero_ps(); R];
        for kk in 0..k {
            // SAFETY: `padded` holds k rows of 16 floats, and `src` R rows of k (asserted above).
            unsafe {
                let wv = _mm512_loadu_ps(w.add(kk * MAX_COLS));
                for (i, acc_i) in acc.iter_mut().enumerate() {
                    *acc_i = _mm512_fmadd_ps(_mm512_set1_ps(*src.add(i * k + kk)), wv, *acc_i);
                }
            }
        }
        let lanes: __mmask16 = ((1u32 << n) - 1) as __mmask16;
        // SAFETY: `bias` holds 16 floats.
        let bias = unsafe { _mm512_loadu_ps(self.bias.as_ptr()) };
        for (i, acc_i) in acc.iter().enumerate() {
            let mut v = _mm512_add_ps(*acc_i, bias);
            if self.softmax {
                let max = _mm512_mask_reduce_max_ps(lanes, v);
                let e = _mm512_maskz_mov_ps(lanes, exp16(_mm512_sub_ps(v, _mm512_set1_ps(max))));
                v = _mm512_mul_ps(e, _mm512_set1_ps(1.0 / _mm512_reduce_add_ps(e)));
            }
            // SAFETY: out[i * n..(i + 1) * n] is inside `out` (asserted above); only n lanes are written.
            unsafe { _mm512_mask_storeu_ps(out.as_mut_ptr().add(i * n), lanes, v) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head computed stage by stage in f64.
    fn reference(
        a: &Array2<f32>,
        w: &Array2<f32>,
        b: &Array1<f32>,
        relu: bool,
        softmax: bool,
    ) -> Array2<f64> {
        let a = a.mapv(|v| if relu { v.max(0.0) as f64 } else { v as f64 });
        let mut z = a.dot(&w.mapv(|v| v as f64)) + b.mapv(|v| v as f64);
        if softmax {
            for mut row in z.rows_mut() {
                let max = row.fold(f64::MIN, |m, &v| m.max(v));
                row.mapv_inplace(|v| (v - max).exp());
                let s = row.sum();
                row.mapv_inplace(|v| v / s);
            }
        }
        z
    }

    #[test]
    fn matches_the_stages_for_every_row_count_and_width() {
        for (k, n) in [(64usize, 10usize), (7, 1), (33, 16)] {
            let w =
                Array2::from_shape_fn((k, n), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 4.0 - 1.2);
            let b = Array1::from_shape_fn(n, |j| j as f32 * 0.3 - 1.0);
            for (relu, softmax) in [(true, true), (false, false), (true, false)] {
                let head = NarrowHead::new(
                    relu,
                    NarrowWeights::new(w.view()).unwrap(),
                    Some(&b),
                    softmax,
                );
                for rows in [0usize, 1, 7, 8, 19] {
                    let a = Array2::from_shape_fn((rows, k), |(i, j)| {
                        ((i * 5 + 2 * j) % 9) as f32 * 0.25 - 1.0
                    });
                    let Some(got) = head.run(a.view()) else {
                        return; // no AVX-512 here: the chain runs stage by stage
                    };
                    let want = reference(&a, &w, &b, relu, softmax);
                    assert_eq!(got.dim(), want.dim());
                    for (g, w) in got.iter().zip(want.iter()) {
                        assert!(
                            (*g as f64 - w).abs() <= 1e-5 * w.abs().max(1.0),
                            "{k}x{n} relu {relu} softmax {softmax} rows {rows}: {g} vs {w}"
                        );
                    }
                }
            }
        }
    }
}
