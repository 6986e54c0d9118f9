//! The convolutions' matrix product: rows A `[rows, k]` (im2col rows or NHWC pixels, read in
//! place) times weights packed once at load into the micro-kernel's panels, blocked over k and
//! over rows, with a per-column affine + clamp (bias, folded batch norm, ReLU/ReLU6) applied to
//! each tile while it is in registers. Micro-kernels: AVX-512 12×32, AVX2+FMA 6×16, scalar 4×16,
//! chosen at run time.

use ndarray::ArrayView2;

/// Depth of one block of k: a kernel's weight panel (`KC × 32` floats, 32 KB) stays in L1.
const KC: usize = 256;
/// Rows per block (a multiple of every kernel's height): their outputs stay in L2 for the
/// caller's epilogue, and each weight panel is reused by all of them.
const MC: usize = 192;
/// Largest kernel height and width (for stack scratch).
const MR_MAX: usize = 12;
const NR_MAX: usize = 32;

thread_local! {
    /// Each thread's block of packed rows (reused by every product it runs).
    static PACKED_ROWS: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Packs columns `p0..p0 + kc` of `rows` (`[_, k]`) as tiles of `mr` rows, each `kc × mr`
/// (a kernel's broadcasts then read consecutive values); rows past the end are zeros.
fn pack_rows(rows: &[f32], k: usize, (p0, kc): (usize, usize), mr: usize, out: &mut [f32]) {
    let count = rows.len() / k.max(1);
    if kc == 0 {
        return;
    }
    for (ti, tile) in out
        .chunks_exact_mut(kc * mr)
        .take(count.div_ceil(mr))
        .enumerate()
    {
        for i in 0..mr {
            let r = ti * mr + i;
            if r >= count {
                (0..kc).for_each(|p| tile[p * mr + i] = 0.0);
                continue;
            }
            let src = &rows[r * k + p0..r * k + p0 + kc];
            for (p, &v) in src.iter().enumerate() {
                tile[p * mr + i] = v;
            }
        }
    }
}

/// Instruction sets with a micro-kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// Plain Rust, any CPU.
    Scalar,
    /// AVX2 and FMA.
    Avx2,
    /// AVX-512F.
    Avx512,
}

impl Isa {
    /// The widest kernel this CPU runs.
    pub fn detect() -> Isa {
        *Isa::available().last().expect("scalar is always available")
    }

    /// Every kernel this CPU runs, narrowest first.
    pub fn available() -> Vec<Isa> {
        let mut v = vec![Isa::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                v.push(Isa::Avx2);
            }
            if is_x86_feature_detected!("avx512f") {
                v.push(Isa::Avx512);
            }
        }
        v
    }

    /// Rows of a tile.
    fn mr(self) -> usize {
        match self {
            Isa::Scalar => 4,
            Isa::Avx2 => 6,
            Isa::Avx512 => 12,
        }
    }

    /// Columns of a tile (= of a weight panel).
    fn nr(self) -> usize {
        match self {
            Isa::Scalar | Isa::Avx2 => 16,
            Isa::Avx512 => 32,
        }
    }
}

/// A per-channel `v ← scale·v + shift`, then clamped to `[lo, hi]` when `clamp`: what a kernel
/// applies to its outputs in registers.
#[derive(Debug, Clone, PartialEq)]
pub struct Fused {
    /// Per-channel scale.
    pub scale: Vec<f32>,
    /// Per-channel shift.
    pub shift: Vec<f32>,
    /// Lower clamp.
    pub lo: f32,
    /// Upper clamp.
    pub hi: f32,
    /// Whether to clamp.
    pub clamp: bool,
}

/// Weights `[k, n]` packed as panels of `nr` columns (zero-padded), each `k × nr` row-major.
#[derive(Debug, Clone)]
pub struct PackedWeights {
    k: usize,
    n: usize,
    isa: Isa,
    /// Panel width: the ISA's, or 16 on AVX-512 for at most 16 columns.
    nr: usize,
    panels: Vec<f32>,
    /// The fused epilogue, scale and shift padded to whole panels.
    epi: Option<Fused>,
}

/// What one tile computes: where its rows, weights and outputs are, and how it ends.
struct Tile<'a> {
    /// First row of A and its row count (at most `mr`).
    r: usize,
    h: usize,
    /// First column and column count (at most `nr`).
    j0: usize,
    cols: usize,
    /// Depth of the block of k.
    kc: usize,
    /// The block of the weight panel, `kc × nr`.
    b: &'a [f32],
    /// Add to what C holds (a later block of k).
    accumulate: bool,
    /// Apply the epilogue (the last block of k).
    finish: bool,
}

impl PackedWeights {
    /// `w` `[k, n]` packed for this CPU's widest kernel.
    pub fn new(w: ArrayView2<f32>) -> PackedWeights {
        PackedWeights::with_isa(w, Isa::detect())
    }

    /// `w` packed for `isa`'s kernel; `None` when this CPU cannot run it (a test hook).
    #[cfg(test)]
    pub fn for_isa(w: ArrayView2<f32>, isa: Isa) -> Option<PackedWeights> {
        Isa::available()
            .contains(&isa)
            .then(|| PackedWeights::with_isa(w, isa))
    }

    /// `w` packed for `isa` (which this CPU runs).
    fn with_isa(w: ArrayView2<f32>, isa: Isa) -> PackedWeights {
        let (k, n) = w.dim();
        let nr = match isa {
            Isa::Avx512 if n <= 16 => 16,
            _ => isa.nr(),
        };
        let count = n.div_ceil(nr);
        let mut panels = vec![0.0f32; count * k * nr];
        for (j, panel) in panels.chunks_exact_mut((k * nr).max(1)).enumerate() {
            for (p, dst) in panel.chunks_exact_mut(nr).enumerate() {
                for (q, d) in dst.iter_mut().enumerate().take(n.saturating_sub(j * nr)) {
                    *d = w[(p, j * nr + q)];
                }
            }
        }
        PackedWeights {
            k,
            n,
            isa,
            nr,
            panels,
            epi: None,
        }
    }

    /// Ends every tile with `f` per column.
    pub fn set_epilogue(&mut self, f: &Fused) {
        let padded = |v: &[f32], fill: f32| {
            let mut p = vec![fill; self.n.div_ceil(self.nr) * self.nr];
            p[..self.n].copy_from_slice(&v[..self.n]);
            p
        };
        self.epi = Some(Fused {
            scale: padded(&f.scale, 1.0),
            shift: padded(&f.shift, 0.0),
            ..f.clone()
        });
    }

    /// `c = epilogue(a · W)` for `rows` rows of `a` (`[rows, k]`), calling `after(first, block)`
    /// on each finished block of rows of `c` (`[rows, n]`) while it is in cache.
    pub fn run(
        &self,
        a: &[f32],
        rows: usize,
        c: &mut [f32],
        mut after: impl FnMut(usize, &mut [f32]),
    ) {
        let (k, n, nr, mr) = (self.k, self.n, self.nr, self.isa.mr());
        assert!(a.len() >= rows * k && c.len() >= rows * n, "gemm sizes");
        let blocks = k.div_ceil(KC).max(1);
        PACKED_ROWS.with_borrow_mut(|packed| {
            packed.resize(MC * KC, 0.0);
            for r0 in (0..rows).step_by(MC) {
                let mrows = MC.min(rows - r0);
                for kb in 0..blocks {
                    let p0 = kb * KC;
                    let kc = KC.min(k - p0.min(k));
                    pack_rows(&a[r0 * k..(r0 + mrows) * k], k, (p0, kc), mr, packed);
                    for j in 0..n.div_ceil(nr) {
                        let start = (j * k + p0) * nr;
                        let b = &self.panels[start..start + kc * nr];
                        for i0 in (0..mrows).step_by(mr) {
                            let t = Tile {
                                r: r0 + i0,
                                h: mr.min(mrows - i0),
                                j0: j * nr,
                                cols: nr.min(n - j * nr),
                                kc,
                                b,
                                accumulate: kb > 0,
                                finish: kb + 1 == blocks,
                            };
                            self.tile(&packed[i0 * kc..(i0 + mr) * kc], c, &t);
                        }
                    }
                }
                after(r0, &mut c[r0 * n..(r0 + mrows) * n]);
            }
        });
    }

    /// One tile from its packed rows `a` (`kc × mr`); tiles past the last column go through
    /// scratch.
    fn tile(&self, a: &[f32], c: &mut [f32], t: &Tile) {
        let (n, mr, nr) = (self.n, self.isa.mr(), self.nr);
        let epi = self.epi.as_ref().filter(|_| t.finish);
        if t.h == mr && t.cols == nr {
            let cp = &mut c[t.r * n + t.j0..];
            // SAFETY: `a` holds kc × mr values, `b` kc·nr values, `cp` mr rows of nr values at
            // stride n (the tile is whole), and the kernel's ISA was checked when the weights
            // were packed.
            unsafe { self.kernel(a, t, cp.as_mut_ptr(), n, epi) };
            return;
        }
        let mut cbuf = [0.0f32; MR_MAX * NR_MAX];
        if t.accumulate {
            for i in 0..t.h {
                let src = &c[(t.r + i) * n + t.j0..][..t.cols];
                cbuf[i * nr..i * nr + t.cols].copy_from_slice(src);
            }
        }
        // SAFETY: as above, into scratch of mr × nr.
        unsafe { self.kernel(a, t, cbuf.as_mut_ptr(), nr, epi) };
        for i in 0..t.h {
            c[(t.r + i) * n + t.j0..][..t.cols].copy_from_slice(&cbuf[i * nr..i * nr + t.cols]);
        }
    }

    /// Runs the kernel of the packed ISA on one whole tile.
    ///
    /// # Safety
    /// `a` holds `t.kc × mr` packed values, `c` points to `mr` rows of `nr`
    /// writable values at stride `ldc`, and the CPU runs `self.isa`.
    unsafe fn kernel(&self, a: &[f32], t: &Tile, c: *mut f32, ldc: usize, epi: Option<&Fused>) {
        let e = epi.map(|e| {
            let (s, b) = (&e.scale[t.j0..], &e.shift[t.j0..]);
            let (lo, hi) = if e.clamp {
                (e.lo, e.hi)
            } else {
                (f32::NAN, f32::NAN)
            };
            (s.as_ptr(), b.as_ptr(), lo, hi)
        });
        let args = Args {
            kc: t.kc,
            a: a.as_ptr(),
            b: t.b.as_ptr(),
            c,
            ldc,
            accumulate: t.accumulate,
            epi: e,
        };
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the caller's contract.
            Isa::Avx512 if self.nr == 16 => unsafe { x86::kernel_avx512::<1>(&args) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the caller's contract.
            Isa::Avx512 => unsafe { x86::kernel_avx512::<2>(&args) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the caller's contract.
            Isa::Avx2 => unsafe { x86::kernel_avx2(&args) },
            // SAFETY: the caller's contract.
            _ => unsafe { kernel_scalar(&args) },
        }
    }
}

/// A kernel's operands: `kc` deep, packed rows `a` (`kc × mr`), the panel block `b` (`kc × nr`),
/// C rows at stride `ldc`; `epi`: scale and shift (`nr` each) and the clamp (NaN: none).
struct Args {
    kc: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
    accumulate: bool,
    epi: Option<(*const f32, *const f32, f32, f32)>,
}

/// The scalar 4×16 kernel.
///
/// # Safety
/// `Args`' pointers hold what they describe for a 4×16 tile.
unsafe fn kernel_scalar(g: &Args) {
    const MR: usize = 4;
    const NR: usize = 16;
    let mut acc = [[0.0f32; NR]; MR];
    for p in 0..g.kc {
        // SAFETY: b has kc rows of NR values.
        let b = unsafe { std::slice::from_raw_parts(g.b.add(p * NR), NR) };
        for (i, row) in acc.iter_mut().enumerate() {
            // SAFETY: a has kc × MR values.
            let av = unsafe { *g.a.add(p * MR + i) };
            row.iter_mut().zip(b).for_each(|(r, &bv)| *r += av * bv);
        }
    }
    for (i, row) in acc.iter().enumerate() {
        // SAFETY: c has MR rows of NR values at stride ldc.
        let c = unsafe { std::slice::from_raw_parts_mut(g.c.add(i * g.ldc), NR) };
        for (q, (d, &v)) in c.iter_mut().zip(row).enumerate() {
            let mut v = if g.accumulate { *d + v } else { v };
            if let Some((s, b, lo, hi)) = g.epi {
                // SAFETY: scale and shift hold NR values.
                v = unsafe { v * *s.add(q) + *b.add(q) };
                if !lo.is_nan() {
                    v = v.max(lo).min(hi);
                }
            }
            *d = v;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Args;
    use std::arch::x86_64::*;

    /// The AVX-512 12×(16·NV) kernel: NV registers of 16 per row, A broadcast.
    ///
    /// # Safety
    /// `Args`' pointers hold what they describe for a 12×(16·NV) tile; the CPU has AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn kernel_avx512<const NV: usize>(g: &Args) {
        const MR: usize = 12;
        let mut acc = [[_mm512_setzero_ps(); NV]; MR];
        let (mut a, mut b) = (g.a, g.b);
        for _ in 0..g.kc {
            // SAFETY: within the kc × 16·NV panel block and the MR rows of A (contract).
            unsafe {
                let mut bv = [_mm512_setzero_ps(); NV];
                for (h, v) in bv.iter_mut().enumerate() {
                    *v = _mm512_loadu_ps(b.add(16 * h));
                }
                for (i, row) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_ps(*a.add(i));
                    for (r, &v) in row.iter_mut().zip(&bv) {
                        *r = _mm512_fmadd_ps(av, v, *r);
                    }
                }
                a = a.add(MR);
                b = b.add(16 * NV);
            }
        }
        for (i, row) in acc.iter().enumerate() {
            for (h, &v) in row.iter().enumerate() {
                // SAFETY: C has MR rows of 32 values at stride ldc; scale/shift 32 values.
                unsafe {
                    let dst = g.c.add(i * g.ldc + h * 16);
                    let mut v = v;
                    if g.accumulate {
                        v = _mm512_add_ps(v, _mm512_loadu_ps(dst));
                    }
                    if let Some((s, sh, lo, hi)) = g.epi {
                        let (s, sh) = (s.add(h * 16), sh.add(h * 16));
                        v = _mm512_fmadd_ps(v, _mm512_loadu_ps(s), _mm512_loadu_ps(sh));
                        if !lo.is_nan() {
                            v = _mm512_min_ps(
                                _mm512_max_ps(v, _mm512_set1_ps(lo)),
                                _mm512_set1_ps(hi),
                            );
                        }
                    }
                    _mm512_storeu_ps(dst, v);
                }
            }
        }
    }

    /// The AVX2+FMA 6×16 kernel: two registers of 8 per row, A broadcast.
    ///
    /// # Safety
    /// `Args`' pointers hold what they describe for a 6×16 tile; the CPU has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn kernel_avx2(g: &Args) {
        const MR: usize = 6;
        let mut acc = [[_mm256_setzero_ps(); 2]; MR];
        let (mut a, mut b) = (g.a, g.b);
        for _ in 0..g.kc {
            // SAFETY: within the kc × 16 panel block and the MR rows of A (contract).
            unsafe {
                let b0 = _mm256_loadu_ps(b);
                let b1 = _mm256_loadu_ps(b.add(8));
                for (i, row) in acc.iter_mut().enumerate() {
                    let av = _mm256_broadcast_ss(&*a.add(i));
                    row[0] = _mm256_fmadd_ps(av, b0, row[0]);
                    row[1] = _mm256_fmadd_ps(av, b1, row[1]);
                }
                a = a.add(MR);
                b = b.add(16);
            }
        }
        for (i, row) in acc.iter().enumerate() {
            for (h, &v) in row.iter().enumerate() {
                // SAFETY: C has MR rows of 16 values at stride ldc; scale/shift 16 values.
                unsafe {
                    let dst = g.c.add(i * g.ldc + h * 8);
                    let mut v = v;
                    if g.accumulate {
                        v = _mm256_add_ps(v, _mm256_loadu_ps(dst));
                    }
                    if let Some((s, sh, lo, hi)) = g.epi {
                        let (s, sh) = (s.add(h * 8), sh.add(h * 8));
                        v = _mm256_fmadd_ps(v, _mm256_loadu_ps(s), _mm256_loadu_ps(sh));
                        if !lo.is_nan() {
                            v = _mm256_min_ps(
                                _mm256_max_ps(v, _mm256_set1_ps(lo)),
                                _mm256_set1_ps(hi),
                            );
                        }
                    }
                    _mm256_storeu_ps(dst, v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// `epi(a · w)` in f64, row by row.
    fn naive(
        a: &[f32],
        rows: usize,
        w: &Array2<f32>,
        epi: Option<(&[f32], &[f32], f32, f32)>,
    ) -> Vec<f32> {
        let (k, n) = w.dim();
        let mut out = vec![];
        for r in 0..rows {
            let row = &a[r * k..(r + 1) * k];
            for q in 0..n {
                let mut v = (0..k)
                    .map(|p| row[p] as f64 * w[(p, q)] as f64)
                    .sum::<f64>() as f32;
                if let Some((s, b, lo, hi)) = epi {
                    v = (v * s[q] + b[q]).max(lo).min(hi);
                }
                out.push(v);
            }
        }
        out
    }

    #[test]
    fn every_kernel_matches_the_naive_product_on_odd_sizes() {
        let mut rng = ChaCha8Rng::seed_from_u64(24);
        let isas = Isa::available();
        let sizes = [
            (1, 1, 1),
            (13, 7, 33),
            (25, 300, 17),
            (200, 520, 70),
            (7, 0, 5),
            (37, 3, 16),
            (30, 5, 64),
        ];
        for isa in isas {
            for (case, &(rows, k, n)) in sizes.iter().enumerate() {
                let a: Vec<f32> = (0..rows * k).map(|_| rng.gen_range(-1.0..1.0)).collect();
                let w = Array2::from_shape_fn((k, n), |_| rng.gen_range(-1.0f32..1.0));
                let scale: Vec<f32> = (0..n).map(|_| rng.gen_range(0.5..2.0)).collect();
                let shift: Vec<f32> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
                let mut g = PackedWeights::for_isa(w.view(), isa).expect("available");
                let epi = (case % 2 == 1).then_some((&scale[..], &shift[..], -0.5f32, 0.8f32));
                if let Some((s, b, lo, hi)) = epi {
                    let (scale, shift) = (s.to_vec(), b.to_vec());
                    g.set_epilogue(&Fused {
                        scale,
                        shift,
                        lo,
                        hi,
                        clamp: true,
                    });
                }
                let mut c = vec![f32::NAN; rows * n];
                let mut seen = 0;
                g.run(&a, rows, &mut c, |first, block| {
                    assert_eq!(first, seen, "{isa:?}: blocks in order");
                    seen += block.len() / n.max(1);
                });
                assert_eq!(seen, rows, "{isa:?}: every row passed to `after`");
                let want = naive(&a, rows, &w, epi);
                assert_eq!(c.len(), want.len());
                let diff = c
                    .iter()
                    .zip(&want)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0.0, f32::max);
                assert!(diff < 1e-4, "{isa:?} {rows}x{k}x{n}: differs by {diff}");
            }
        }
    }

    #[test]
    fn an_affine_epilogue_without_clamp_keeps_large_values() {
        for isa in Isa::available() {
            let w = Array2::from_shape_vec((1, 2), vec![1.0f32, -1.0]).unwrap();
            let mut g = PackedWeights::for_isa(w.view(), isa).unwrap();
            g.set_epilogue(&Fused {
                scale: vec![2.0, 3.0],
                shift: vec![1.0, 0.0],
                lo: 0.0,
                hi: 0.0,
                clamp: false,
            });
            let mut c = [0.0f32; 2];
            g.run(&[5.0], 1, &mut c, |_, _| {});
            assert_eq!(c, [11.0, -15.0], "{isa:?}");
        }
    }
}
