//! 2-D convolution and pooling on channels-last (NHWC) batches: convolution as im2col + the
//! packed-weight product of [`gemm`](crate::model::native::gemm) with a fused per-channel
//! epilogue, max/average pooling over windows, global average pooling.

use crate::model::native::gemm::{Fused, PackedWeights};
use crate::model::native::vexp::exp_in_place;
use ndarray::Array2;

/// Height, width and channels of one image (stored as `h` rows of `w` pixels of `c` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Rows.
    pub h: usize,
    /// Columns.
    pub w: usize,
    /// Channels.
    pub c: usize,
}

impl Shape {
    /// Values in one image.
    pub fn len(&self) -> usize {
        self.h * self.w * self.c
    }
}

/// A sliding window over the rows and columns of an image: kernel, stride, dilation and the
/// padding before (`pad_t`, `pad_l`) and after (`pad_b`, `pad_r`) each axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Kernel rows and columns.
    pub kh: usize,
    /// Kernel columns.
    pub kw: usize,
    /// Stride along rows.
    pub sh: usize,
    /// Stride along columns.
    pub sw: usize,
    /// Dilation along rows.
    pub dh: usize,
    /// Dilation along columns.
    pub dw: usize,
    /// Padding above.
    pub pad_t: usize,
    /// Padding left.
    pub pad_l: usize,
    /// Padding below.
    pub pad_b: usize,
    /// Padding right.
    pub pad_r: usize,
}

impl Window {
    /// Output rows and columns on an `h` x `w` input; `None` when the window does not fit.
    pub fn out_dims(&self, h: usize, w: usize) -> Option<(usize, usize)> {
        let span = |k: usize, d: usize| (k.checked_sub(1)?).checked_mul(d)?.checked_add(1);
        let out = |n: usize, p0: usize, p1: usize, k: usize, d: usize, s: usize| {
            (n + p0 + p1)
                .checked_sub(span(k, d)?)
                .map(|r| r / s.max(1) + 1)
        };
        let oh = out(h, self.pad_t, self.pad_b, self.kh, self.dh, self.sh)?;
        let ow = out(w, self.pad_l, self.pad_r, self.kw, self.dw, self.sw)?;
        (self.sh > 0 && self.sw > 0).then_some((oh, ow))
    }

    /// Input row (or column) of tap `k` for output `o`, `None` when it falls in the padding.
    #[inline]
    pub fn tap(o: usize, s: usize, k: usize, d: usize, pad: usize, n: usize) -> Option<usize> {
        (o * s + k * d).checked_sub(pad).filter(|&i| i < n)
    }
}

impl Window {
    /// A 1x1 window: stride 1, no dilation, no padding.
    pub fn unit() -> Window {
        Window {
            kh: 1,
            kw: 1,
            sh: 1,
            sw: 1,
            dh: 1,
            dw: 1,
            pad_t: 0,
            pad_l: 0,
            pad_b: 0,
            pad_r: 0,
        }
    }
}

/// A per-channel step applied to each output pixel's channel vector.
#[derive(Debug, Clone, PartialEq)]
pub enum ChanOp {
    /// v ← scale[c]·v + shift[c] (bias, inference batch norm, constant Add/Mul).
    Affine { scale: Vec<f32>, shift: Vec<f32> },
    /// v ← min(max(scale[c]·v + shift[c], lo), hi) in one pass (bias or batch norm, then ReLU
    /// or ReLU6).
    AffineClip {
        scale: Vec<f32>,
        shift: Vec<f32>,
        lo: f32,
        hi: f32,
    },
    /// v ← max(v, 0).
    Relu,
    /// v ← min(max(v, lo), hi).
    Clip(f32, f32),
    /// v ← 1 / (1 + e^-v).
    Sigmoid,
    /// v ← tanh(v).
    Tanh,
    /// v ← min(max(α·v + β, 0), 1).
    HardSigmoid(f32, f32),
    /// v ← v · sigmoid(v) (Keras' swish / SiLU).
    Swish,
    /// v ← v · min(max(α·v + β, 0), 1) (hard swish; ONNX's HardSwish has α = 1/6, β = 1/2).
    HardSwish(f32, f32),
    /// v ← v when v ≥ 0, α·v otherwise.
    LeakyRelu(f32),
}

/// v ← 1 / (1 + e^-v) over a slice (vectorised exp).
fn sigmoid_in_place(data: &mut [f32]) {
    data.iter_mut().for_each(|v| *v = -*v);
    exp_in_place(data);
    data.iter_mut().for_each(|v| *v = 1.0 / (1.0 + *v));
}

/// v ← v · sigmoid(v) over a slice, a few values at a time through a small buffer.
fn swish_in_place(data: &mut [f32]) {
    let mut s = [0.0f32; 256];
    for chunk in data.chunks_mut(256) {
        let s = &mut s[..chunk.len()];
        s.copy_from_slice(chunk);
        sigmoid_in_place(s);
        chunk.iter_mut().zip(s.iter()).for_each(|(v, g)| *v *= g);
    }
}

impl ChanOp {
    /// The step over `c` channels when it is an affine map and/or a clamp (what a kernel
    /// applies in registers).
    pub fn as_fused(&self, c: usize) -> Option<Fused> {
        let unit = || (vec![1.0; c], vec![0.0; c]);
        let ((scale, shift), lo, hi, clamp) = match self {
            ChanOp::Affine { scale, shift } => ((scale.clone(), shift.clone()), 0.0, 0.0, false),
            ChanOp::AffineClip {
                scale,
                shift,
                lo,
                hi,
            } => ((scale.clone(), shift.clone()), *lo, *hi, true),
            ChanOp::Relu => (unit(), 0.0, f32::INFINITY, true),
            ChanOp::Clip(lo, hi) => (unit(), *lo, *hi, true),
            _ => return None,
        };
        (scale.len() == c && shift.len() == c).then_some(Fused {
            scale,
            shift,
            lo,
            hi,
            clamp,
        })
    }

    /// Merges `next` into this step when one step can do both (affine then affine, affine then
    /// ReLU or Clip); false otherwise.
    pub fn absorb(&mut self, next: &ChanOp) -> bool {
        let ChanOp::Affine { scale, shift } = self else {
            return false;
        };
        let (lo, hi) = match next {
            ChanOp::Affine {
                scale: s2,
                shift: b2,
            } => {
                for i in 0..scale.len() {
                    scale[i] *= s2[i];
                    shift[i] = shift[i] * s2[i] + b2[i];
                }
                return true;
            }
            ChanOp::Relu => (0.0, f32::INFINITY),
            ChanOp::Clip(lo, hi) => (*lo, *hi),
            _ => return false,
        };
        *self = ChanOp::AffineClip {
            scale: std::mem::take(scale),
            shift: std::mem::take(shift),
            lo,
            hi,
        };
        true
    }

    /// Applies the step to every pixel (`c` values each) of `data`, one step over the whole slice
    /// at a time (the match is outside the loops).
    pub fn apply_all(&self, c: usize, data: &mut [f32]) {
        match self {
            ChanOp::Affine { scale, shift } => {
                for px in data.chunks_exact_mut(c) {
                    px.iter_mut()
                        .zip(scale.iter().zip(shift))
                        .for_each(|(v, (a, b))| *v = *v * a + b);
                }
            }
            ChanOp::AffineClip {
                scale,
                shift,
                lo,
                hi,
            } => {
                for px in data.chunks_exact_mut(c) {
                    px.iter_mut()
                        .zip(scale.iter().zip(shift))
                        .for_each(|(v, (a, b))| *v = (*v * a + b).max(*lo).min(*hi));
                }
            }
            ChanOp::Relu => data.iter_mut().for_each(|v| *v = v.max(0.0)),
            ChanOp::Clip(lo, hi) => data.iter_mut().for_each(|v| *v = v.max(*lo).min(*hi)),
            ChanOp::Sigmoid => sigmoid_in_place(data),
            ChanOp::Tanh => data.iter_mut().for_each(|v| *v = v.tanh()),
            ChanOp::HardSigmoid(a, b) => data
                .iter_mut()
                .for_each(|v| *v = (*a * *v + b).clamp(0.0, 1.0)),
            ChanOp::Swish => swish_in_place(data),
            ChanOp::HardSwish(a, b) => data
                .iter_mut()
                .for_each(|v| *v *= (*a * *v + b).clamp(0.0, 1.0)),
            ChanOp::LeakyRelu(a) => data
                .iter_mut()
                .for_each(|v| *v = if *v >= 0.0 { *v } else { *a * *v }),
        }
    }
}

/// Applies `ops` in order to every pixel (`c` values each) of `data` (a block small enough to
/// stay in cache between steps).
pub fn apply_ops(ops: &[ChanOp], c: usize, data: &mut [f32]) {
    if c == 0 {
        return;
    }
    ops.iter().for_each(|op| op.apply_all(c, data));
}

/// A 2-D convolution (group 1) with weights packed as `[kh·kw·c_in, c_out]`.
#[derive(Debug, Clone)]
pub struct Conv2d {
    win: Window,
    input: Shape,
    output: Shape,
    /// Rows ordered by (ky, kx, c_in), matching the im2col rows.
    weights: Array2<f32>,
    /// The same weights packed for the product's kernel (with any fused epilogue).
    packed: PackedWeights,
}

impl Conv2d {
    /// A convolution of `input` images by ONNX weights `[c_out, c_in, kh, kw]` (row-major);
    /// `None` when the sizes disagree or the window does not fit.
    pub fn new(win: Window, input: Shape, oihw: &[f32], c_out: usize) -> Option<Conv2d> {
        let (kh, kw, c) = (win.kh, win.kw, input.c);
        if oihw.len() != c_out * c * kh * kw || c_out == 0 {
            return None;
        }
        let (oh, ow) = win.out_dims(input.h, input.w)?;
        let weights = Array2::from_shape_fn((kh * kw * c, c_out), |(r, o)| {
            let (tap, ci) = (r / c, r % c);
            let (ky, kx) = (tap / kw, tap % kw);
            oihw[((o * c + ci) * kh + ky) * kw + kx]
        });
        let output = Shape {
            h: oh,
            w: ow,
            c: c_out,
        };
        let packed = PackedWeights::new(weights.view());
        Some(Conv2d {
            win,
            input,
            output,
            weights,
            packed,
        })
    }

    /// The same convolution run by `isa`'s kernel (a test hook); `None` when this CPU lacks it.
    #[cfg(test)]
    pub fn with_isa(mut self, isa: crate::model::native::gemm::Isa) -> Option<Conv2d> {
        self.packed = PackedWeights::for_isa(self.weights.view(), isa)?;
        Some(self)
    }

    /// Applies `op` to the product's tiles in registers when it is an affine map and/or a clamp
    /// (then the caller drops it from its own epilogue); false otherwise.
    pub fn fuse(&mut self, op: &ChanOp) -> bool {
        let Some(f) = op.as_fused(self.output.c) else {
            return false;
        };
        self.packed.set_epilogue(&f);
        true
    }

    /// Shape of one output image.
    pub fn output(&self) -> Shape {
        self.output
    }

    /// im2col values per image (0 when the input is used as is).
    pub fn cols_per_image(&self) -> usize {
        if self.is_pointwise() {
            0
        } else {
            self.output.h * self.output.w * self.weights.nrows()
        }
    }

    /// A 1x1, stride-1, unpadded convolution: the input pixels are already the im2col rows.
    fn is_pointwise(&self) -> bool {
        let w = &self.win;
        (w.kh, w.kw, w.sh, w.sw, w.pad_t, w.pad_l, w.pad_b, w.pad_r) == (1, 1, 1, 1, 0, 0, 0, 0)
    }

    /// Convolves `n` images (`input`, NHWC) into `out` (NHWC), then applies `ops` to each output
    /// pixel; `cols` is scratch space of at least `n · cols_per_image()` values.
    pub fn run(&self, input: &[f32], n: usize, out: &mut [f32], cols: &mut [f32], ops: &[ChanOp]) {
        let o = self.output.c;
        self.run_with(input, n, out, cols, |_, block| apply_ops(ops, o, block));
    }

    /// Convolves `n` images (`input`, NHWC) into `out` (NHWC), calling `after(first, block)` on
    /// each block of output pixels once computed (`first`: index of its first pixel in `out`).
    pub fn run_with(
        &self,
        input: &[f32],
        n: usize,
        out: &mut [f32],
        cols: &mut [f32],
        after: impl FnMut(usize, &mut [f32]),
    ) {
        let k = self.weights.nrows();
        let pixels = n * self.output.h * self.output.w;
        let a = if self.is_pointwise() {
            &input[..pixels * k]
        } else {
            let per = self.cols_per_image();
            for (img, dst) in input
                .chunks_exact(self.input.len())
                .zip(cols.chunks_exact_mut(per))
                .take(n)
            {
                self.im2col(img, dst);
            }
            &cols[..pixels * k]
        };
        self.packed.run(a, pixels, out, after);
    }

    /// One image's im2col rows: per output pixel, the kh·kw taps of c values each (zeros in
    /// the padding), copied as whole kw·c runs when a row of taps is contiguous.
    fn im2col(&self, img: &[f32], dst: &mut [f32]) {
        let (win, inp) = (&self.win, &self.input);
        let c = inp.c;
        let run = win.kw * c;
        let mut rows = dst.chunks_exact_mut(win.kh * run);
        for oy in 0..self.output.h {
            for ox in 0..self.output.w {
                let row = rows.next().expect("one row per output pixel");
                for (ky, taps) in row.chunks_exact_mut(run).enumerate() {
                    let Some(iy) = Window::tap(oy, win.sh, ky, win.dh, win.pad_t, inp.h) else {
                        taps.fill(0.0);
                        continue;
                    };
                    let line = &img[iy * inp.w * c..(iy + 1) * inp.w * c];
                    let x0 = ox * win.sw;
                    let contiguous =
                        win.dw == 1 && x0 >= win.pad_l && x0 - win.pad_l + win.kw <= inp.w;
                    if contiguous {
                        let start = (x0 - win.pad_l) * c;
                        taps.copy_from_slice(&line[start..start + run]);
                        continue;
                    }
                    for (kx, tap) in taps.chunks_exact_mut(c).enumerate() {
                        match Window::tap(ox, win.sw, kx, win.dw, win.pad_l, inp.w) {
                            Some(ix) => tap.copy_from_slice(&line[ix * c..(ix + 1) * c]),
                            None => tap.fill(0.0),
                        }
                    }
                }
            }
        }
    }
}

/// How a pooling window combines its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    /// Largest value in the window (padding ignored).
    Max,
    /// Mean over the window; with `count_include_pad`, padding positions count as zeros.
    Average { count_include_pad: bool },
}

/// Max or average pooling over a window, channel by channel.
#[derive(Debug, Clone)]
pub struct Pool2d {
    kind: PoolKind,
    win: Window,
    input: Shape,
    output: Shape,
}

impl Pool2d {
    /// A pooling of `input` images; `None` when the window does not fit.
    pub fn new(kind: PoolKind, win: Window, input: Shape) -> Option<Pool2d> {
        let (h, w) = win.out_dims(input.h, input.w)?;
        let output = Shape { h, w, c: input.c };
        Some(Pool2d {
            kind,
            win,
            input,
            output,
        })
    }

    /// Shape of one output image.
    pub fn output(&self) -> Shape {
        self.output
    }

    /// Pools `n` images (`input`, NHWC) into `out` (NHWC).
    pub fn run(&self, input: &[f32], n: usize, out: &mut [f32]) {
        let (win, inp, c) = (&self.win, &self.input, self.input.c);
        let outs = out.chunks_exact_mut(self.output.len());
        for (img, dst) in input.chunks_exact(inp.len()).zip(outs).take(n) {
            let mut pixels = dst.chunks_exact_mut(c);
            for oy in 0..self.output.h {
                for ox in 0..self.output.w {
                    let px = pixels.next().expect("one pixel per output position");
                    let init = match self.kind {
                        PoolKind::Max => f32::NEG_INFINITY,
                        PoolKind::Average { .. } => 0.0,
                    };
                    px.fill(init);
                    let mut inside = 0usize;
                    for ky in 0..win.kh {
                        let Some(iy) = Window::tap(oy, win.sh, ky, win.dh, win.pad_t, inp.h) else {
                            continue;
                        };
                        for kx in 0..win.kw {
                            let Some(ix) = Window::tap(ox, win.sw, kx, win.dw, win.pad_l, inp.w)
                            else {
                                continue;
                            };
                            inside += 1;
                            let src = &img[(iy * inp.w + ix) * c..(iy * inp.w + ix + 1) * c];
                            match self.kind {
                                PoolKind::Max => {
                                    px.iter_mut().zip(src).for_each(|(p, &v)| *p = p.max(v))
                                }
                                PoolKind::Average { .. } => {
                                    px.iter_mut().zip(src).for_each(|(p, &v)| *p += v)
                                }
                            }
                        }
                    }
                    if let PoolKind::Average { count_include_pad } = self.kind {
                        let count = match count_include_pad {
                            true => self.padded_taps(oy, ox),
                            false => inside,
                        };
                        let inv = 1.0 / count.max(1) as f32;
                        px.iter_mut().for_each(|p| *p *= inv);
                    }
                }
            }
        }
    }

    /// Taps of the window at (oy, ox) that fall inside the padded input.
    fn padded_taps(&self, oy: usize, ox: usize) -> usize {
        let (win, inp) = (&self.win, &self.input);
        let count = |o: usize, s: usize, k: usize, d: usize, n: usize| {
            (0..k).filter(|&t| o * s + t * d < n).count()
        };
        count(oy, win.sh, win.kh, win.dh, inp.h + win.pad_t + win.pad_b)
            * count(ox, win.sw, win.kw, win.dw, inp.w + win.pad_l + win.pad_r)
    }
}

/// Mean of every channel over all pixels of each image: `n` images of `shape` into `n` rows of
/// `shape.c` values.
pub fn global_average(input: &[f32], shape: Shape, n: usize, out: &mut [f32]) {
    let c = shape.c;
    let inv = 1.0 / (shape.h * shape.w).max(1) as f32;
    for (img, dst) in input
        .chunks_exact(shape.len())
        .zip(out.chunks_exact_mut(c))
        .take(n)
    {
        dst.fill(0.0);
        for px in img.chunks_exact(c) {
            dst.iter_mut().zip(px).for_each(|(d, &v)| *d += v);
        }
        dst.iter_mut().for_each(|d| *d *= inv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Value of NCHW-indexed image `img` (stored NHWC) at (c, y, x), or `None` in the padding.
    fn at(img: &[f32], s: Shape, c: usize, y: isize, x: isize) -> Option<f32> {
        let inside = y >= 0 && x >= 0 && (y as usize) < s.h && (x as usize) < s.w;
        inside.then(|| img[(y as usize * s.w + x as usize) * s.c + c])
    }

    /// Input coordinate of tap `k` for output `o`, padding allowed (negative or past the end).
    fn coord(o: usize, s: usize, k: usize, d: usize, pad: usize) -> isize {
        (o * s + k * d) as isize - pad as isize
    }

    fn naive_conv(img: &[f32], s: Shape, win: Window, w: &[f32], o: usize) -> Vec<f32> {
        let (oh, ow) = win.out_dims(s.h, s.w).unwrap();
        let mut out = vec![0.0f32; oh * ow * o];
        for oy in 0..oh {
            for ox in 0..ow {
                for co in 0..o {
                    let mut acc = 0.0f64;
                    for ci in 0..s.c {
                        for ky in 0..win.kh {
                            for kx in 0..win.kw {
                                let y = coord(oy, win.sh, ky, win.dh, win.pad_t);
                                let x = coord(ox, win.sw, kx, win.dw, win.pad_l);
                                let wv = w[((co * s.c + ci) * win.kh + ky) * win.kw + kx];
                                acc += at(img, s, ci, y, x).unwrap_or(0.0) as f64 * wv as f64;
                            }
                        }
                    }
                    out[(oy * ow + ox) * o + co] = acc as f32;
                }
            }
        }
        out
    }

    fn naive_pool(img: &[f32], s: Shape, win: Window, kind: PoolKind) -> Vec<f32> {
        let (oh, ow) = win.out_dims(s.h, s.w).unwrap();
        let mut out = vec![];
        for oy in 0..oh {
            for ox in 0..ow {
                for c in 0..s.c {
                    let mut vals = vec![];
                    let mut padded = 0;
                    for ky in 0..win.kh {
                        for kx in 0..win.kw {
                            let y = coord(oy, win.sh, ky, win.dh, win.pad_t);
                            let x = coord(ox, win.sw, kx, win.dw, win.pad_l);
                            let in_padded =
                                y < (s.h + win.pad_b) as isize && x < (s.w + win.pad_r) as isize;
                            padded += usize::from(in_padded);
                            vals.extend(at(img, s, c, y, x));
                        }
                    }
                    out.push(match kind {
                        PoolKind::Max => vals.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)),
                        PoolKind::Average { count_include_pad } => {
                            let n = if count_include_pad {
                                padded
                            } else {
                                vals.len()
                            };
                            vals.iter().sum::<f32>() / n as f32
                        }
                    });
                }
            }
        }
        out
    }

    fn random_window(rng: &mut ChaCha8Rng, stride: usize, dilation: usize) -> Window {
        Window {
            kh: rng.gen_range(1..=3),
            kw: rng.gen_range(1..=3),
            sh: stride,
            sw: stride,
            dh: dilation,
            dw: dilation,
            pad_t: rng.gen_range(0..=2),
            pad_l: rng.gen_range(0..=2),
            pad_b: rng.gen_range(0..=2),
            pad_r: rng.gen_range(0..=1),
        }
    }

    fn random(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.gen_range(-1.0f32..1.0)).collect()
    }

    fn close(a: &[f32], b: &[f32], what: &str) {
        assert_eq!(a.len(), b.len(), "{what}");
        let diff = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-5, "{what}: differs by {diff}");
    }

    #[test]
    fn convolution_matches_the_naive_sum_on_random_shapes() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (mut pointwise, mut checked) = (0, 0);
        for case in 0..60 {
            let (stride, dilation) = [(1, 1), (2, 1), (1, 2), (2, 2)][case % 4];
            let mut win = random_window(&mut rng, stride, dilation);
            if case % 10 == 0 {
                win = Window {
                    kh: 1,
                    kw: 1,
                    pad_t: 0,
                    pad_l: 0,
                    pad_b: 0,
                    pad_r: 0,
                    ..win
                };
            }
            let s = Shape {
                h: rng.gen_range(3..9),
                w: rng.gen_range(3..9),
                c: rng.gen_range(1..5),
            };
            let o = [1, 6, 17, 33, 40][case % 5];
            let n = rng.gen_range(1..4);
            let Some(conv) = Conv2d::new(win, s, &random(&mut rng, o * s.c * win.kh * win.kw), o)
            else {
                continue;
            };
            let isas = crate::model::native::gemm::Isa::available();
            let conv = conv.with_isa(isas[case % isas.len()]).expect("available");
            pointwise += usize::from(conv.is_pointwise());
            checked += 1;
            let w: Vec<f32> = conv_weights_oihw(&conv);
            let input = random(&mut rng, n * s.len());
            let out_len = conv.output().len();
            let mut out = vec![f32::NAN; n * out_len];
            let mut cols = vec![f32::NAN; n * conv.cols_per_image()];
            conv.run(&input, n, &mut out, &mut cols, &[]);
            for i in 0..n {
                let want = naive_conv(&input[i * s.len()..(i + 1) * s.len()], s, win, &w, o);
                close(
                    &out[i * out_len..(i + 1) * out_len],
                    &want,
                    &format!("{win:?} {s:?}"),
                );
            }
        }
        assert!(pointwise > 0, "the 1x1 path was exercised");
        assert!(checked >= 40, "only {checked} of 60 windows fit");
    }

    /// The ONNX [o, c, kh, kw] weights back from the packed [kh·kw·c, o] matrix.
    fn conv_weights_oihw(conv: &Conv2d) -> Vec<f32> {
        let (kh, kw, c, o) = (conv.win.kh, conv.win.kw, conv.input.c, conv.output.c);
        let mut w = vec![0.0; o * c * kh * kw];
        for ((r, co), &v) in conv.weights.indexed_iter() {
            let (tap, ci) = (r / c, r % c);
            w[((co * c + ci) * kh + tap / kw) * kw + tap % kw] = v;
        }
        w
    }

    #[test]
    fn pooling_matches_the_naive_window_on_random_shapes() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let kinds = [
            PoolKind::Max,
            PoolKind::Average {
                count_include_pad: true,
            },
            PoolKind::Average {
                count_include_pad: false,
            },
        ];
        let mut checked = 0;
        for case in 0..60 {
            let (stride, dilation) = [(1, 1), (2, 1), (2, 2)][case % 3];
            let mut win = random_window(&mut rng, stride, dilation);
            // Padding no larger than the kernel, as ONNX requires of pools.
            win.pad_t = win.pad_t.min(win.kh - 1);
            win.pad_b = win.pad_b.min(win.kh - 1);
            win.pad_l = win.pad_l.min(win.kw - 1);
            win.pad_r = win.pad_r.min(win.kw - 1);
            let s = Shape {
                h: rng.gen_range(3..9),
                w: rng.gen_range(3..9),
                c: rng.gen_range(1..5),
            };
            let kind = kinds[(case / 3) % 3];
            let n = 2;
            let Some(pool) = Pool2d::new(kind, win, s) else {
                continue;
            };
            checked += 1;
            let input = random(&mut rng, n * s.len());
            let out_len = pool.output().len();
            let mut out = vec![f32::NAN; n * out_len];
            pool.run(&input, n, &mut out);
            for i in 0..n {
                let want = naive_pool(&input[i * s.len()..(i + 1) * s.len()], s, win, kind);
                close(
                    &out[i * out_len..(i + 1) * out_len],
                    &want,
                    &format!("{kind:?} {win:?}"),
                );
            }
        }
        assert!(checked >= 40, "only {checked} of 60 windows fit");
    }

    #[test]
    fn the_two_average_counts_differ_at_padded_borders() {
        let s = Shape { h: 2, w: 2, c: 1 };
        let win = Window {
            kh: 2,
            kw: 2,
            sh: 1,
            sw: 1,
            dh: 1,
            dw: 1,
            pad_t: 1,
            pad_l: 1,
            pad_b: 0,
            pad_r: 0,
        };
        let input = [4.0f32, 4.0, 4.0, 4.0];
        let mut out = [0.0f32; 4];
        let with = PoolKind::Average {
            count_include_pad: true,
        };
        Pool2d::new(with, win, s).unwrap().run(&input, 1, &mut out);
        assert_eq!(out, [1.0, 2.0, 2.0, 4.0]);
        let without = PoolKind::Average {
            count_include_pad: false,
        };
        Pool2d::new(without, win, s)
            .unwrap()
            .run(&input, 1, &mut out);
        assert_eq!(out, [4.0; 4]);
    }

    #[test]
    fn global_average_and_channel_ops() {
        let s = Shape { h: 1, w: 3, c: 2 };
        let mut out = [0.0f32; 2];
        global_average(&[1.0, -3.0, 2.0, 0.0, 6.0, 0.0], s, 1, &mut out);
        assert_eq!(out, [3.0, -1.0]);
        let ops = [
            ChanOp::Affine {
                scale: vec![2.0, 1.0],
                shift: vec![0.0, 1.0],
            },
            ChanOp::Relu,
        ];
        apply_ops(&ops, 2, &mut out);
        assert_eq!(out, [6.0, 0.0]);
    }
}
