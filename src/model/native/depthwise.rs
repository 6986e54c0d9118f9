//! Depthwise 2-D convolution (one filter per channel, ONNX `group` = channels) on channels-last
//! images as direct loops: each output pixel's channel vector accumulates its kh·kw taps, FMA
//! over the channels on AVX2+FMA CPUs, plain multiply-add elsewhere. No im2col.

use crate::model::native::conv_kernels::{Shape, Window};

/// A depthwise convolution with weights packed as `[kh·kw, c]` (tap-major).
#[derive(Debug, Clone)]
pub struct Depthwise {
    win: Window,
    input: Shape,
    output: Shape,
    weights: Vec<f32>,
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
        })
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
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            unsafe { self.row_fma(img, oy, line) };
            return;
        }
        self.row_generic::<false>(img, oy, line);
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
        let d = Depthwise::new(win, Shape { h: 1, w: 2, c: 2 }, &[2.0, -1.0]).unwrap();
        let mut out = [0.0; 4];
        let mut firsts = vec![];
        d.run_with(&[1.0, 3.0, 5.0, 7.0], 1, &mut out, |p, _| firsts.push(p));
        assert_eq!(out, [2.0, -3.0, 10.0, -7.0]);
        assert_eq!(firsts, [0]);
    }
}
