//! The steps of a `ConvGraph` and how each runs on a sub-batch of
//! channels-last images: convolutions (general, depthwise), pooling, element-wise and broadcast
//! binary ops, channel concatenation, padding, reordering and softmax, each followed by a fused
//! epilogue (per-channel steps and residual adds).

use crate::model::native::conv_kernels::{global_average, ChanOp, Conv2d, Pool2d, Shape};
use crate::model::native::depthwise::Depthwise;
use crate::model::native::vexp::exp_in_place;

/// One step of an epilogue, applied to a block of output pixels.
#[derive(Debug, Clone)]
pub enum Epi {
    /// A per-channel step.
    Op(ChanOp),
    /// Adds the same pixels of another value (a residual connection).
    Add(usize),
}

/// A binary element-wise operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// a + b.
    Add,
    /// a − b.
    Sub,
    /// a · b.
    Mul,
    /// a / b.
    Div,
}

impl BinOp {
    #[inline]
    fn apply(self, a: f32, b: f32) -> f32 {
        match self {
            BinOp::Add => a + b,
            BinOp::Sub => a - b,
            BinOp::Mul => a * b,
            BinOp::Div => a / b,
        }
    }
}

/// How a padded border is filled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PadMode {
    /// A constant value.
    Constant(f32),
    /// The nearest edge pixel.
    Edge,
    /// The mirror image without repeating the edge.
    Reflect,
}

/// A spatial Pad: rows above/below and columns left/right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pad {
    /// Rows above, columns left, rows below, columns right.
    pub t: usize,
    /// Columns left.
    pub l: usize,
    /// Rows below.
    pub b: usize,
    /// Columns right.
    pub r: usize,
    /// How the border is filled.
    pub mode: PadMode,
}

/// What a step computes from its input value.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A convolution (group 1, or grouped as block-diagonal weights), also Dense layers on 1x1.
    Conv(Conv2d),
    /// A depthwise convolution.
    Depthwise(Depthwise),
    /// Max or average pooling.
    Pool(Pool2d),
    /// Mean of each channel over the image.
    GlobalAverage,
    /// A copy (the epilogue does the work).
    Copy,
    /// `input op other`, `other` of the same shape or one value per channel (1x1, broadcast).
    Binary(BinOp, usize),
    /// The input and these values (with their channels as the graph sees them) side by side
    /// along the channels.
    Concat(Vec<(usize, usize)>),
    /// Spatial padding.
    Pad(Pad),
    /// Channels-last values reordered channels first (a flatten of an NCHW tensor); `true`
    /// for the reverse.
    Reorder(bool),
    /// Softmax over the channels of each pixel.
    Softmax,
}

/// One step: a kind on an input value, giving an output value, then the epilogue.
#[derive(Debug, Clone)]
pub struct Step {
    /// What it computes.
    pub kind: Kind,
    /// Input value.
    pub input: usize,
    /// Shape of the input as this step sees it (a value may be seen under several shapes,
    /// e.g. an image and its flattened row).
    pub in_shape: Shape,
    /// Output value.
    pub output: usize,
    /// Per-pixel steps after it.
    pub epi: Vec<Epi>,
}

impl Step {
    /// Values the step reads (input, binary and concat operands, residuals).
    pub fn reads(&self) -> Vec<usize> {
        let mut v = vec![self.input];
        match &self.kind {
            Kind::Binary(_, o) => v.push(*o),
            Kind::Concat(others) => v.extend(others.iter().map(|o| o.0)),
            _ => {}
        }
        v.extend(self.epi.iter().filter_map(|e| match e {
            Epi::Add(o) => Some(*o),
            Epi::Op(_) => None,
        }));
        v
    }
}

/// The values of a sub-batch: each value's buffer and shape, `m` images.
pub struct Values<'a> {
    /// Buffer of every slot.
    pub bufs: &'a [Vec<f32>],
    /// Slot of every value.
    pub slots: &'a [usize],
    /// Shape of every value (one image).
    pub shapes: &'a [Shape],
    /// Images in the sub-batch.
    pub m: usize,
}

impl Values<'_> {
    /// The `m` images of value `v`.
    pub fn get(&self, v: usize) -> &[f32] {
        &self.bufs[self.slots[v]][..self.m * self.shapes[v].len()]
    }
}

/// Applies `epi` to `block`, pixels `first..` of a value with `c` channels.
fn epilogue(epi: &[Epi], c: usize, first: usize, block: &mut [f32], vals: &Values) {
    for e in epi {
        match e {
            Epi::Op(op) => op.apply_all(c, block),
            Epi::Add(v) => {
                let src = &vals.get(*v)[first * c..first * c + block.len()];
                block.iter_mut().zip(src).for_each(|(d, s)| *d += s);
            }
        }
    }
}

impl Step {
    /// Moves the epilogue's first step into a convolution's kernel when it can run it there (an
    /// affine map and/or a clamp, applied while the outputs are in registers).
    pub fn fuse_first(&mut self) {
        let Some(Epi::Op(op)) = self.epi.first() else {
            return;
        };
        let fused = match &mut self.kind {
            Kind::Conv(conv) => conv.fuse(op),
            Kind::Depthwise(d) => d.fuse(op),
            _ => false,
        };
        if fused {
            self.epi.remove(0);
        }
    }

    /// Runs the step on the sub-batch into `out` (the output value's buffer); `cols` is
    /// im2col scratch.
    pub fn run(&self, vals: &Values, out: &mut [f32], cols: &mut [f32]) {
        let (s_in, s_out) = (self.in_shape, vals.shapes[self.output]);
        let m = vals.m;
        let x = vals.get(self.input);
        let out = &mut out[..m * s_out.len()];
        let c = s_out.c;
        let epi = |first: usize, block: &mut [f32]| epilogue(&self.epi, c, first, block, vals);
        match &self.kind {
            Kind::Conv(conv) => return conv.run_with(x, m, out, cols, epi),
            Kind::Depthwise(d) => return d.run_with(x, m, out, epi),
            Kind::Pool(p) => p.run(x, m, out),
            Kind::GlobalAverage => global_average(x, s_in, m, out),
            Kind::Copy => out.copy_from_slice(x),
            Kind::Binary(op, other) => binary(*op, x, vals.get(*other), c, s_out, out),
            Kind::Concat(others) => concat(x, s_in.c, others, vals, out),
            Kind::Pad(p) => pad(x, s_in, p, out),
            Kind::Reorder(back) => reorder_all(x, s_in, *back, out),
            Kind::Softmax => softmax(x, c, out),
        }
        epilogue(&self.epi, c, 0, out, vals);
    }
}

/// `out = a op b`, `b` the same shape as `a` or one value per channel per image.
fn binary(op: BinOp, a: &[f32], b: &[f32], c: usize, s: Shape, out: &mut [f32]) {
    if a.len() == b.len() {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = op.apply(x, y);
        }
        return;
    }
    for ((img_o, img_a), k) in out
        .chunks_exact_mut(s.len())
        .zip(a.chunks_exact(s.len()))
        .zip(b.chunks_exact(c))
    {
        for (po, pa) in img_o.chunks_exact_mut(c).zip(img_a.chunks_exact(c)) {
            for ((o, &x), &y) in po.iter_mut().zip(pa).zip(k) {
                *o = op.apply(x, y);
            }
        }
    }
}

/// The input (`c0` channels) and `others` (value, channels) side by side, pixel by pixel.
fn concat(x: &[f32], c0: usize, others: &[(usize, usize)], vals: &Values, out: &mut [f32]) {
    let widths: Vec<usize> = std::iter::once(c0)
        .chain(others.iter().map(|o| o.1))
        .collect();
    let total: usize = widths.iter().sum();
    let mut offset = 0;
    for (i, &w) in widths.iter().enumerate() {
        let src = if i == 0 { x } else { vals.get(others[i - 1].0) };
        for (dst, px) in out.chunks_exact_mut(total).zip(src.chunks_exact(w)) {
            dst[offset..offset + w].copy_from_slice(px);
        }
        offset += w;
    }
}

/// Input coordinate of padded coordinate `o` on an axis of `n` with `before` padding, by `mode`.
fn source(o: usize, before: usize, n: usize, mode: PadMode) -> Option<usize> {
    let i = o as isize - before as isize;
    if (0..n as isize).contains(&i) {
        return Some(i as usize);
    }
    match mode {
        PadMode::Constant(_) => None,
        PadMode::Edge => Some(i.clamp(0, n as isize - 1) as usize),
        PadMode::Reflect => {
            let period = 2 * (n as isize - 1);
            if period == 0 {
                return Some(0);
            }
            let r = i.rem_euclid(period);
            Some((if r < n as isize { r } else { period - r }) as usize)
        }
    }
}

/// Pads each image of shape `s` by `p`.
fn pad(x: &[f32], s: Shape, p: &Pad, out: &mut [f32]) {
    let (oh, ow, c) = (s.h + p.t + p.b, s.w + p.l + p.r, s.c);
    let fill = match p.mode {
        PadMode::Constant(v) => v,
        _ => 0.0,
    };
    for (img, dst) in x
        .chunks_exact(s.len())
        .zip(out.chunks_exact_mut(oh * ow * c))
    {
        for (oy, row) in dst.chunks_exact_mut(ow * c).enumerate() {
            let Some(iy) = source(oy, p.t, s.h, p.mode) else {
                row.fill(fill);
                continue;
            };
            for (ox, px) in row.chunks_exact_mut(c).enumerate() {
                match source(ox, p.l, s.w, p.mode) {
                    Some(ix) => px.copy_from_slice(&img[(iy * s.w + ix) * c..][..c]),
                    None => px.fill(fill),
                }
            }
        }
    }
}

/// Each image reordered from channels last to channels first (`back`: the reverse).
fn reorder_all(x: &[f32], s: Shape, back: bool, out: &mut [f32]) {
    let hw = s.h * s.w;
    for (img, dst) in x.chunks_exact(s.len()).zip(out.chunks_exact_mut(s.len())) {
        for p in 0..hw {
            for ch in 0..s.c {
                let (hwc, chw) = (p * s.c + ch, ch * hw + p);
                match back {
                    false => dst[chw] = img[hwc],
                    true => dst[hwc] = img[chw],
                }
            }
        }
    }
}

/// Softmax over each run of `c` values.
fn softmax(x: &[f32], c: usize, out: &mut [f32]) {
    out.copy_from_slice(x);
    for row in out.chunks_exact_mut(c.max(1)) {
        let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        row.iter_mut().for_each(|v| *v -= max);
        exp_in_place(row);
        let inv = 1.0 / row.iter().sum::<f32>();
        row.iter_mut().for_each(|v| *v *= inv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect_and_edge_sources_mirror_and_clamp() {
        // Axis of 3 padded by 2 before: reflect reads 2,1,0,1,2,1,0; edge reads 0,0,0,1,2,2,2.
        let reflect: Vec<_> = (0..7)
            .map(|o| source(o, 2, 3, PadMode::Reflect).unwrap())
            .collect();
        assert_eq!(reflect, [2, 1, 0, 1, 2, 1, 0]);
        let edge: Vec<_> = (0..7)
            .map(|o| source(o, 2, 3, PadMode::Edge).unwrap())
            .collect();
        assert_eq!(edge, [0, 0, 0, 1, 2, 2, 2]);
        assert_eq!(source(0, 1, 3, PadMode::Constant(0.0)), None);
    }
}
