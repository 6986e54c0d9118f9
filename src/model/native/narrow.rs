//! h · W for a narrow W (at most 16 output columns, such as a classifier head): on AVX2+FMA CPUs,
//! blocks of four rows against W padded to 16 lanes, a shape general sgemm kernels handle poorly;
//! elsewhere the general product.

use ndarray::{Array2, ArrayView2};

/// Widest W handled here.
pub const MAX_COLS: usize = 16;

/// A narrow weight matrix [k, n ≤ 16], also padded to 16 columns.
#[derive(Debug, Clone)]
pub struct NarrowWeights {
    k: usize,
    n: usize,
    w: Array2<f32>,
    padded: Vec<f32>,
}

impl NarrowWeights {
    /// Pads `w` [k, n] if it has at most [`MAX_COLS`] columns.
    pub fn new(w: ArrayView2<f32>) -> Option<NarrowWeights> {
        let (k, n) = w.dim();
        (n <= MAX_COLS).then(|| {
            let mut padded = vec![0.0; k * MAX_COLS];
            for (dst, row) in padded.chunks_exact_mut(MAX_COLS).zip(w.rows()) {
                dst[..n].iter_mut().zip(row).for_each(|(d, &v)| *d = v);
            }
            NarrowWeights {
                k,
                n,
                w: w.to_owned(),
                padded,
            }
        })
    }

    /// Rows of W (inputs).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Columns of W (outputs).
    pub fn n(&self) -> usize {
        self.n
    }

    /// W padded to [k, 16] row-major, columns past n zero.
    pub fn padded(&self) -> &[f32] {
        &self.padded
    }

    /// The unpadded matrix [k, n].
    pub fn matrix(&self) -> ArrayView2<'_, f32> {
        self.w.view()
    }

    /// prep(a) [rows, k] · W, where `prep` transforms one row in place (bias, activation):
    /// rows are prepared a few at a time in a small buffer, never as a whole batch.
    pub fn dot_prepared(&self, a: ArrayView2<f32>, prep: impl Fn(&mut [f32])) -> Array2<f32> {
        const BLOCK: usize = 16;
        let (rows, k) = a.dim();
        let n = self.n;
        let mut out = Array2::<f32>::zeros((rows, n));
        if k == 0 || n == 0 {
            return out;
        }
        let mut scratch = vec![0.0f32; BLOCK * k];
        let dst_all = out.as_slice_mut().expect("fresh array");
        for (chunk, dst) in a
            .axis_chunks_iter(ndarray::Axis(0), BLOCK)
            .zip(dst_all.chunks_mut(BLOCK * n))
        {
            let m = chunk.nrows();
            match chunk.as_slice() {
                Some(c) => scratch[..m * k].copy_from_slice(c),
                None => {
                    for (buf, row) in scratch.chunks_exact_mut(k).zip(chunk.rows()) {
                        buf.iter_mut().zip(row).for_each(|(b, &v)| *b = v);
                    }
                }
            }
            scratch[..m * k].chunks_exact_mut(k).for_each(&prep);
            self.dot_into(&scratch[..m * k], dst);
        }
        out
    }

    /// Rows `a` (row-major, k values each) · W into `out` (n values per row).
    pub fn dot_into(&self, a: &[f32], out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            unsafe { self.dot_avx2::<false>(a, out) };
            return;
        }
        let rows = a.len() / self.k;
        let a = ArrayView2::from_shape((rows, self.k), a).expect("rows x k");
        let p = a.dot(&self.w);
        out.iter_mut().zip(p.iter()).for_each(|(o, &v)| *o = v);
    }

    /// `a` [rows, k] · W.
    pub fn dot(&self, a: ArrayView2<f32>) -> Array2<f32> {
        self.dot_with::<false>(a)
    }

    /// relu(`a`) [rows, k] · W, the relu applied as each value is read (no copy of `a`).
    pub fn dot_relu(&self, a: ArrayView2<f32>) -> Array2<f32> {
        self.dot_with::<true>(a)
    }

    /// `a` · W, with relu applied to `a`'s values when `RELU`.
    fn dot_with<const RELU: bool>(&self, a: ArrayView2<f32>) -> Array2<f32> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            let a = a.as_standard_layout();
            let a = a.as_slice().expect("standard layout");
            let mut out = Array2::<f32>::zeros((a.len() / self.k.max(1), self.n));
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            unsafe { self.dot_avx2::<RELU>(a, out.as_slice_mut().expect("fresh array")) };
            return out;
        }
        match RELU {
            true => a.mapv(|v| v.max(0.0)).dot(&self.w),
            false => a.dot(&self.w),
        }
    }

    /// Blocks of four rows, each row's 16 lanes in two 8-float registers, one FMA per weight.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn dot_avx2<const RELU: bool>(&self, a: &[f32], out: &mut [f32]) {
        use std::arch::x86_64::*;
        let (k, n) = (self.k, self.n);
        if k == 0 {
            return;
        }
        let rows = a.len() / k;
        let mut r = 0;
        while r < rows {
            let block = (rows - r).min(4);
            let mut acc = [[_mm256_setzero_ps(); 2]; 4];
            for kk in 0..k {
                // SAFETY: kk < k and `padded` holds k rows of 16 floats.
                let wp = unsafe { self.padded.as_ptr().add(kk * MAX_COLS) };
                let (w0, w1) = unsafe { (_mm256_loadu_ps(wp), _mm256_loadu_ps(wp.add(8))) };
                for (i, acc_i) in acc.iter_mut().enumerate().take(block) {
                    let mut av = _mm256_set1_ps(a[(r + i) * k + kk]);
                    if RELU {
                        // max(v, 0) gives 0 for NaN v, as f32::max(v, 0.0) does.
                        av = _mm256_max_ps(av, _mm256_setzero_ps());
                    }
                    acc_i[0] = _mm256_fmadd_ps(av, w0, acc_i[0]);
                    acc_i[1] = _mm256_fmadd_ps(av, w1, acc_i[1]);
                }
            }
            for (i, acc_i) in acc.iter().enumerate().take(block) {
                let at = (r + i) * n;
                if at + MAX_COLS <= out.len() {
                    // All 16 lanes: those past n land on the next rows, written after this one.
                    // SAFETY: out[at..at + 16] is inside `out`, checked just above.
                    unsafe {
                        _mm256_storeu_ps(out.as_mut_ptr().add(at), acc_i[0]);
                        _mm256_storeu_ps(out.as_mut_ptr().add(at + 8), acc_i[1]);
                    }
                } else {
                    let mut lanes = [0.0f32; MAX_COLS];
                    // SAFETY: `lanes` holds 16 floats.
                    unsafe {
                        _mm256_storeu_ps(lanes.as_mut_ptr(), acc_i[0]);
                        _mm256_storeu_ps(lanes.as_mut_ptr().add(8), acc_i[1]);
                    }
                    out[at..at + n].copy_from_slice(&lanes[..n]);
                }
            }
            r += block;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_plain_product_for_every_row_count() {
        let w = Array2::from_shape_fn((37, 10), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let nw = NarrowWeights::new(w.view()).unwrap();
        for rows in [0usize, 1, 3, 4, 9] {
            let a = Array2::from_shape_fn((rows, 37), |(i, j)| ((i + 2 * j) % 5) as f32 * 0.25);
            let got = nw.dot(a.view());
            let want = a.dot(&w);
            assert_eq!(got.dim(), want.dim());
            assert!((&got - &want).iter().all(|d| d.abs() < 1e-4), "{rows} rows");
        }
        assert!(NarrowWeights::new(Array2::<f32>::zeros((3, 17)).view()).is_none());
    }

    #[test]
    fn the_relu_product_is_the_product_of_the_rectified_rows() {
        let w = Array2::from_shape_fn((19, 7), |(i, j)| ((i * 5 + j) % 9) as f32 - 4.0);
        let nw = NarrowWeights::new(w.view()).unwrap();
        for rows in [1usize, 4, 6] {
            let a = Array2::from_shape_fn((rows, 19), |(i, j)| ((i + 3 * j) % 7) as f32 - 3.0);
            let got = nw.dot_relu(a.view());
            let want = a.mapv(|v| v.max(0.0)).dot(&w);
            assert!((&got - &want).iter().all(|d| d.abs() < 1e-4), "{rows} rows");
            assert!((&got - &nw.dot(a.view())).iter().any(|d| d.abs() > 1e-2));
        }
    }
}
