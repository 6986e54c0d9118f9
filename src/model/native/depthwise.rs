//! Depthwise 2-D convolution (one filter per channel, ONNX `group` = channels) on channels-last
//! images as direct loops: each output pixel's channel vector accumulates its kh·kw taps, FMA
//! over the channels (AVX-512: 16 channels per register, all taps of a pixel in one register, a
//! fused affine + clamp before the store; AVX2+FMA or plain multiply-add elsewhere). No im2col.

use crate::model::native::conv_kernels::{ChanOp, Shape, Window};
use crate::model::native::gemm::{Fused, Isa};

/// A depthwise convolution with weights packed as `[kh·kw, c]` (tap-major).
#[derive(Debug, Clone)]
pub struct Depthwise {
    win: Window,
    input: Shape,
    output: Shape,
    weights: Vec<f32>,
    /// An epilogue applied to each output row as it is computed.
    fused: Option<Fused>,
    /// The kernel used.
    isa: Isa,
}

impl Depthwise {
    /// A depthwise convolution of `input` images by ONNX weights `[c, 1, kh, kw]`; `None` when
    /// the sizes disagree or the window does not fit.
    pub fn new(win: Window, input: Shape, oihw: &[f32]) -> Option<Depthwise> {
        let (taps, c) = (win.kh * win.kw, input.c);
        if oihw.len() != taps * c || c == 0 {
            return None;
        }
        let (h, w) = win.out_dims(input.h, input.w)?;
        let weights = (0..taps * c)
            .map(|i| oihw[(i % c) * taps + i / c])
            .collect();
        Some(Depthwise {
            win,
            input,
            output: Shape { h, w, c },
            weights,
            fused: None,
            isa: Isa::detect(),
        })
    }

    /// The same convolution run by `isa`'s kernel (a test hook); `None` when this CPU lacks it.
    #[cfg(test)]
    pub fn with_isa(mut self, isa: Isa) -> Option<Depthwise> {
        Isa::available().contains(&isa).then(|| {
            self.isa = isa;
            self
        })
    }

    /// Applies `op` to each output row as it is computed when it is an affine map and/or a
    /// clamp (then the caller drops it from its own epilogue); false otherwise.
    pub fn fuse(&mut self, op: &ChanOp) -> bool {
        self.fused = op.as_fused(self.output.c);
        self.fused.is_some()
    }

    /// Shape of one output image.
    pub fn output(&self) -> Shape {
        self.output
    }

    /// Convolves `n` images (`input`, NHWC) into `out` (NHWC), calling `after(first, row)` on
    /// each output row once computed (`first`: index of its first pixel in `out`).
    pub fn run_with(
        &self,
        input: &[f32],
        n: usize,
        out: &mut [f32],
        mut after: impl FnMut(usize, &mut [f32]),
    ) {
        let row = self.output.w * self.output.c;
        for (i, (img, dst)) in input
            .chunks_exact(self.input.len())
            .zip(out.chunks_exact_mut(self.output.len()))
            .take(n)
            .enumerate()
        {
            for (oy, line) in dst.chunks_exact_mut(row).enumerate() {
                self.row(img, oy, line);
                after((i * self.output.h + oy) * self.output.w, line);
            }
        }
    }

    /// Output row `oy` of one image.
    fn row(&self, img: &[f32], oy: usize, line: &mut [f32]) {
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU supports AVX-512F (`isa` is only set to what it runs).
            Isa::Avx512 => return unsafe { self.row_avx512(img, oy, line) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU supports AVX2 and FMA (likewise).
            Isa::Avx2 => unsafe { self.row_fma(img, oy, line) },
            _ => self.row_generic::<false>(img, oy, line),
        }
        if let Some(f) = &self.fused {
            let c = self.output.c;
            for px in line.chunks_exact_mut(c) {
                for ((v, a), b) in px.iter_mut().zip(&f.scale).zip(&f.shift) {
                    *v = *v * a + b;
                    if f.clamp {
                        *v = v.max(f.lo).min(f.hi);
                    }
                }
            }
        }
    }

    /// One output row on AVX-512: pixels whose taps are all inside the image four at a time
    /// (four independent accumulators sharing each weight load), border pixels one at a time
    /// with their taps checked.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn row_avx512(&self, img: &[f32], oy: usize, line: &mut [f32]) {
        let (win, inp) = (&self.win, &self.input);
        let inside = |ox: usize| {
            Window::tap(ox, win.sw, 0, win.dw, win.pad_l, inp.w).is_some()
                && Window::tap(ox, win.sw, win.kw - 1, win.dw, win.pad_l, inp.w).is_some()
        };
        let ow = self.output.w;
        let lo = (0..ow).find(|&x| inside(x)).unwrap_or(ow);
        let hi = (lo..ow).find(|&x| !inside(x)).unwrap_or(ow);
        // SAFETY (all calls): AVX-512F is enabled here; the pixels are inside the row, and
        // those of the unchecked calls have every tap inside the image.
        unsafe {
            for ox in (0..lo).chain(hi..ow) {
                self.pixels_avx512::<1, true>(img, oy, ox, line);
            }
            let mut ox = lo;
            while ox + 4 <= hi {
                self.pixels_avx512::<4, false>(img, oy, ox, line);
                ox += 4;
            }
            for ox in ox..hi {
                self.pixels_avx512::<1, false>(img, oy, ox, line);
            }
        }
    }

    /// Output pixels `ox..ox + P` of row `oy`, 16 channels at a time (masked at the end), then
    /// the fused epilogue and one store per register; `CHECK`: skip taps in the padding.
    ///
    /// # Safety
    /// The CPU has AVX-512F; `ox + P <= output.w`; without `CHECK`, every tap of these pixels
    /// is inside the image's columns.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn pixels_avx512<const P: usize, const CHECK: bool>(
        &self,
        img: &[f32],
        oy: usize,
        ox: usize,
        line: &mut [f32],
    ) {
        use std::arch::x86_64::*;
        let (win, inp, c) = (&self.win, &self.input, self.input.c);
        for c0 in (0..c).step_by(16) {
            let mask: __mmask16 = if c - c0 >= 16 {
                0xffff
            } else {
                (1u16 << (c - c0)) - 1
            };
            let mut acc = [_mm512_setzero_ps(); P];
            for ky in 0..win.kh {
                let Some(iy) = Window::tap(oy, win.sh, ky, win.dh, win.pad_t, inp.h) else {
                    continue;
                };
                let src_row = img[iy * inp.w * c..(iy + 1) * inp.w * c].as_ptr();
                for kx in 0..win.kw {
                    let w = &self.weights[(ky * win.kw + kx) * c + c0..];
                    // SAFETY: the mask keeps the loads inside the tap's and each pixel's c
                    // channels; the pixel is inside the row (checked, or by the contract).
                    unsafe {
                        let wv = _mm512_maskz_loadu_ps(mask, w.as_ptr());
                        for (p, a) in acc.iter_mut().enumerate() {
                            let ix = if CHECK {
                                match Window::tap(ox + p, win.sw, kx, win.dw, win.pad_l, inp.w) {
                                    Some(ix) => ix,
                                    None => continue,
                                }
                            } else {
                                (ox + p) * win.sw + kx * win.dw - win.pad_l
                            };
                            let x = _mm512_maskz_loadu_ps(mask, src_row.add(ix * c + c0));
                            *a = _mm512_fmadd_ps(x, wv, *a);
                        }
                    }
                }
            }
            for (p, &a) in acc.iter().enumerate() {
                let dst = &mut line[(ox + p) * c + c0..];
                // SAFETY: as above, inside this pixel's channels and the epilogue's c values.
                unsafe {
                    let mut v = a;
                    if let Some(f) = &self.fused {
                        let s = _mm512_maskz_loadu_ps(mask, f.scale[c0..].as_ptr());
                        let b = _mm512_maskz_loadu_ps(mask, f.shift[c0..].as_ptr());
                        v = _mm512_fmadd_ps(v, s, b);
                        if f.clamp {
                            v = _mm512_max_ps(v, _mm512_set1_ps(f.lo));
                            v = _mm512_min_ps(v, _mm512_set1_ps(f.hi));
                        }
                    }
                    _mm512_mask_storeu_ps(dst.as_mut_ptr(), mask, v);
                }
            }
        }
    }

    /// [`Depthwise::row_generic`] compiled for AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn row_fma(&self, img: &[f32], oy: usize, line: &mut [f32]) {
        self.row_generic::<true>(img, oy, line);
    }

    /// One output row: zero it, then add each valid tap's channel vector times its weights
    /// (`FMA`: fused multiply-add, which only pays where the CPU has it).
    #[inline(always)]
    fn row_generic<const FMA: bool>(&self, img: &[f32], oy: usize, line: &mut [f32]) {
        let (win, inp, c) = (&self.win, &self.input, self.input.c);
        line.fill(0.0);
        for ky in 0..win.kh {
            let Some(iy) = (oy * win.sh + ky * win.dh)
                .checked_sub(win.pad_t)
                .filter(|&y| y < inp.h)
            else {
                continue;
            };
            let src_row = &img[iy * inp.w * c..(iy + 1) * inp.w * c];
            for kx in 0..win.kw {
                let w = &self.weights[(ky * win.kw + kx) * c..(ky * win.kw + kx + 1) * c];
                for (ox, acc) in line.chunks_exact_mut(c).enumerate() {
                    let Some(ix) = (ox * win.sw + kx * win.dw)
                        .checked_sub(win.pad_l)
                        .filter(|&x| x < inp.w)
                    else {
                        continue;
                    };
                    let src = &src_row[ix * c..(ix + 1) * c];
                    for ((a, &x), &wv) in acc.iter_mut().zip(src).zip(w) {
                        *a = if FMA { x.mul_add(wv, *a) } else { *a + x * wv };
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_depthwise_tap_scales_each_channel_by_its_own_weight() {
        // 1x1 kernel on a 1x2 image of 2 channels: channel 0 by 2, channel 1 by -1.
        let win = Window::unit();
        for isa in Isa::available() {
            let d = Depthwise::new(win, Shape { h: 1, w: 2, c: 2 }, &[2.0, -1.0]).unwrap();
            let d = d.with_isa(isa).unwrap();
            let mut out = [0.0; 4];
            let mut firsts = vec![];
            d.run_with(&[1.0, 3.0, 5.0, 7.0], 1, &mut out, |p, _| firsts.push(p));
            assert_eq!(out, [2.0, -3.0, 10.0, -7.0], "{isa:?}");
            assert_eq!(firsts, [0]);
        }
    }

    /// The naive depthwise sum, then `min(max(2v + 0.5, -1), 1)`: image `s`, weights `[c, kh·kw]`.
    fn naive(img: &[f32], s: Shape, win: Window, w: &[f32]) -> Vec<f32> {
        let (oh, ow) = win.out_dims(s.h, s.w).unwrap();
        let mut out = vec![];
        for oy in 0..oh {
            for ox in 0..ow {
                for ch in 0..s.c {
                    let mut acc = 0.0f64;
                    for ky in 0..win.kh {
                        for kx in 0..win.kw {
                            let y = (oy * win.sh + ky * win.dh) as isize - win.pad_t as isize;
                            let x = (ox * win.sw + kx * win.dw) as isize - win.pad_l as isize;
                            if y < 0 || x < 0 || y >= s.h as isize || x >= s.w as isize {
                                continue;
                            }
                            let v = img[(y as usize * s.w + x as usize) * s.c + ch];
                            acc += v as f64 * w[ch * win.kh * win.kw + ky * win.kw + kx] as f64;
                        }
                    }
                    out.push((acc as f32 * 2.0 + 0.5).clamp(-1.0, 1.0));
                }
            }
        }
        out
    }

    #[test]
    fn every_kernel_matches_the_naive_sum_with_a_fused_epilogue() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut checked = 0;
        for case in 0..48 {
            let k = [3, 5][case % 2];
            let stride = 1 + (case / 2) % 2;
            let pad = (case / 4) % 3;
            let s = Shape {
                h: rng.gen_range(3..12),
                w: rng.gen_range(3..12),
                c: [1, 7, 16, 19, 40, 33][case % 6],
            };
            let win = Window {
                kh: k,
                kw: k,
                sh: stride,
                sw: stride,
                pad_t: pad,
                pad_l: pad,
                pad_b: pad.saturating_sub(1),
                pad_r: pad,
                ..Window::unit()
            };
            let w: Vec<f32> = (0..s.c * k * k).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let Some(base) = Depthwise::new(win, s, &w) else {
                continue;
            };
            checked += 1;
            let n = 2;
            let img: Vec<f32> = (0..n * s.len()).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let op = ChanOp::AffineClip {
                scale: vec![2.0; s.c],
                shift: vec![0.5; s.c],
                lo: -1.0,
                hi: 1.0,
            };
            for isa in Isa::available() {
                let mut d = base.clone().with_isa(isa).unwrap();
                assert!(d.fuse(&op));
                let o = d.output().len();
                let mut out = vec![f32::NAN; n * o];
                d.run_with(&img, n, &mut out, |_, _| {});
                for i in 0..n {
                    let want = naive(&img[i * s.len()..(i + 1) * s.len()], s, win, &w);
                    let diff = out[i * o..(i + 1) * o]
                        .iter()
                        .zip(&want)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0, f32::max);
                    assert!(diff < 1e-5, "{isa:?} {win:?} {s:?}: differs by {diff}");
                }
            }
        }
        assert!(checked >= 30, "only {checked} windows fit");
    }
}
