//! A fast path for sequential Keras CNNs: convolutions, pooling and per-channel steps run on
//! channels-last images (see `conv_kernels`), then the flattened features through a
//! [`DenseChain`]. It is only used when it reproduces tract's output on probe rows.

use crate::model::native::conv_kernels::{
    apply_ops, global_average, ChanOp, Conv2d, Pool2d, Shape,
};
use crate::model::native::dense::DenseChain;
use ndarray::{Array2, ArrayView2};
use std::sync::Mutex;

/// Target size of the im2col scratch of one sub-batch of images (values, about 1 MB).
const COLS_BUDGET: usize = 1 << 18;

/// How one image's values are ordered in a flat row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Channels last (Keras images, the order the layers work in).
    Hwc,
    /// Channels first (ONNX's NCHW).
    Chw,
}

/// One step on a sub-batch of images.
#[derive(Debug, Clone)]
pub enum Layer {
    /// A convolution followed by per-channel steps on its output.
    Conv(Conv2d, Vec<ChanOp>),
    /// Max or average pooling.
    Pool(Pool2d),
    /// Mean of each channel over the image (output 1x1).
    GlobalAverage(Shape),
    /// Per-channel steps in place (images of this shape).
    Pointwise(Shape, Vec<ChanOp>),
}

impl Layer {
    /// Shape of one output image, given the input's.
    fn output(&self, input: Shape) -> Shape {
        match self {
            Layer::Conv(c, _) => c.output(),
            Layer::Pool(p) => p.output(),
            Layer::GlobalAverage(s) => Shape { h: 1, w: 1, c: s.c },
            Layer::Pointwise(..) => input,
        }
    }
}

/// A sequential CNN read from an ONNX graph: image layers, a flatten, a dense chain.
#[derive(Debug)]
pub struct ConvChain {
    /// Shape of one input image and how its values are ordered in an input row.
    pub(crate) input: (Shape, Order),
    /// Image layers in order.
    pub(crate) layers: Vec<Layer>,
    /// Order in which the last image is flattened for the dense chain.
    pub(crate) flatten: Order,
    /// The layers after the flatten.
    pub(crate) dense: DenseChain,
    /// Scratch of finished calls, reused by later ones (at most one per concurrent call; freed
    /// with the chain) so that large buffers are not mapped anew at every call.
    pub(crate) idle: Mutex<Vec<Scratch>>,
}

/// Scratch of one call: two image buffers used in turn and the im2col buffer.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    images: [Vec<f32>; 2],
    cols: Vec<f32>,
}

/// Makes `buf` hold at least `len` values.
fn grow(buf: &mut Vec<f32>, len: usize) {
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
}

/// Copies image `src` stored in `from` order into `dst` in `to` order.
fn reorder(src: &[f32], s: Shape, from: Order, to: Order, dst: &mut [f32]) {
    if from == to || s.c == 1 || s.h * s.w == 1 {
        dst.copy_from_slice(src);
        return;
    }
    let hw = s.h * s.w;
    for p in 0..hw {
        for ch in 0..s.c {
            let (hwc, chw) = (p * s.c + ch, ch * hw + p);
            match from {
                Order::Chw => dst[hwc] = src[chw],
                Order::Hwc => dst[chw] = src[hwc],
            }
        }
    }
}

impl ConvChain {
    /// Shapes of the input image and after each layer.
    fn shapes(&self) -> Vec<Shape> {
        let mut shapes = vec![self.input.0];
        for l in &self.layers {
            let last = *shapes.last().expect("input shape");
            shapes.push(l.output(last));
        }
        shapes
    }

    /// Largest im2col scratch of one image over the convolutions.
    fn cols_per_image(&self) -> usize {
        self.layers
            .iter()
            .map(|l| match l {
                Layer::Conv(c, _) => c.cols_per_image(),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    /// Images per sub-batch: as many as keep the largest im2col scratch near `COLS_BUDGET`.
    fn sub_batch(&self) -> usize {
        (COLS_BUDGET / self.cols_per_image().max(1)).clamp(1, 256)
    }

    /// Runs the chain on rows of flattened input images.
    pub fn run(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let x = x.as_standard_layout();
        let x = x.as_slice().expect("standard layout");
        let shapes = self.shapes();
        let in_shape = self.input.0;
        let n = x.len() / in_shape.len().max(1);
        let last = *shapes.last().expect("input shape");
        let sub = self.sub_batch().min(n.max(1));
        let biggest = shapes.iter().map(Shape::len).max().unwrap_or(0);
        let mut scratch = self
            .idle
            .lock()
            .expect("scratch pool")
            .pop()
            .unwrap_or_default();
        // Grown once, reused by later calls (values are overwritten before they are read).
        for buf in &mut scratch.images {
            grow(buf, sub * biggest);
        }
        grow(&mut scratch.cols, sub * self.cols_per_image());
        let mut flat = Vec::with_capacity(n * last.len());
        for images in x.chunks(sub * in_shape.len()) {
            let m = images.len() / in_shape.len();
            self.run_images(images, m, &shapes, &mut scratch, &mut flat);
        }
        self.idle.lock().expect("scratch pool").push(scratch);
        let flat = Array2::from_shape_vec((n, last.len()), flat).expect("one row per image");
        self.dense.run(flat.view())
    }

    /// Runs `m` images through the layers and appends their flattened features to `flat`.
    fn run_images(
        &self,
        images: &[f32],
        m: usize,
        shapes: &[Shape],
        scratch: &mut Scratch,
        flat: &mut Vec<f32>,
    ) {
        let (in_shape, in_order) = self.input;
        let [a, b] = &mut scratch.images;
        for (src, to) in images
            .chunks_exact(in_shape.len())
            .zip(a.chunks_exact_mut(in_shape.len()))
        {
            reorder(src, in_shape, in_order, Order::Hwc, to);
        }
        let (mut cur, mut next) = (a, b);
        for (layer, (&s_in, &s_out)) in self.layers.iter().zip(shapes.iter().zip(&shapes[1..])) {
            let src = &cur[..m * s_in.len()];
            match layer {
                Layer::Conv(conv, ops) => conv.run(src, m, next, &mut scratch.cols, ops),
                Layer::Pool(pool) => pool.run(src, m, next),
                Layer::GlobalAverage(s) => global_average(src, *s, m, next),
                Layer::Pointwise(s, ops) => {
                    apply_ops(ops, s.c, &mut cur[..m * s_in.len()]);
                    continue;
                }
            }
            debug_assert!(next.len() >= m * s_out.len());
            std::mem::swap(&mut cur, &mut next);
        }
        let last = *shapes.last().expect("input shape");
        let start = flat.len();
        flat.extend_from_slice(&cur[..m * last.len()]);
        if self.flatten != Order::Hwc {
            for (src, to) in cur
                .chunks_exact(last.len())
                .zip(flat[start..].chunks_exact_mut(last.len()))
            {
                reorder(src, last, Order::Hwc, self.flatten, to);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reordering_moves_channels_and_round_trips() {
        let s = Shape { h: 1, w: 2, c: 3 };
        // Pixel p, channel ch holds 10·p + ch.
        let hwc = [0.0, 1.0, 2.0, 10.0, 11.0, 12.0];
        let mut chw = [0.0; 6];
        reorder(&hwc, s, Order::Hwc, Order::Chw, &mut chw);
        assert_eq!(chw, [0.0, 10.0, 1.0, 11.0, 2.0, 12.0]);
        let mut back = [0.0; 6];
        reorder(&chw, s, Order::Chw, Order::Hwc, &mut back);
        assert_eq!(back, hwc);
    }
}
